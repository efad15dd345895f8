import { sql } from 'kysely';
import { type Clock, manualClock } from '../../src/clock.ts';
import { type Config, loadConfig } from '../../src/config/config.ts';
import { type Context, createContext } from '../../src/context.ts';
import { dialectOf } from '../../src/db/dialect.ts';
import type { Dialect } from '../../src/db/schema.ts';
import { createLogger } from '../../src/logging.ts';
import { createDispatcher, type DispatcherOptions } from '../../src/mail/dispatcher.ts';
import { createTransport, type MailTransport } from '../../src/mail/transport.ts';
import { LogCapture, PUBLIC_URL } from './app.ts';
import { createTestDatabase, type TestDatabase } from './storage.ts';

/**
 * A context for mail tests without the HTTP app: a fresh database, a manual clock, captured logs,
 * and the transport the config selects (pass SMTP_URL from test/helpers/smtp.ts for real SMTP).
 */
export interface MailTestContext {
  ctx: Context;
  config: Config;
  database: TestDatabase;
  clock: Clock & { advance(ms: number): void };
  logs: LogCapture;
  transport: MailTransport;
  close(): Promise<void>;
}

export async function createMailTestContext(
  dialect: Dialect,
  env: Record<string, string> = {},
): Promise<MailTestContext> {
  const database = await createTestDatabase(dialect);
  const config = loadConfig({ DATABASE_URL: database.url, PUBLIC_URL, LOG_LEVEL: 'info', ...env });
  const clock = manualClock(Date.now());
  const logs = new LogCapture();
  const ctx = createContext(config, database.storage, createLogger({ level: 'info', destination: logs }), {
    clock,
  });
  const transport = createTransport(config);
  return {
    ctx,
    config,
    database,
    clock,
    logs,
    transport,
    async close() {
      await transport.close();
      await database.drop();
    },
  };
}

/** Runs the dispatcher until a batch claims nothing (due messages only); returns the batches' sum. */
export async function deliverDue(
  ctx: Context,
  options: DispatcherOptions,
): Promise<{ sent: number; retried: number; failed: number }> {
  const dispatcher = createDispatcher(ctx, options);
  const total = { sent: 0, retried: 0, failed: 0 };
  for (;;) {
    const report = await dispatcher.dispatchBatch();
    total.sent += report.sent;
    total.retried += report.retried;
    total.failed += report.failed;
    if (report.claimed === 0) return total;
  }
}

/** Every row of every table of the test database, as one string, for secret scans. */
export async function dumpDatabase(ctx: Context): Promise<string> {
  const tables =
    dialectOf(ctx.db) === 'postgres'
      ? await sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(ctx.db)
      : await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(ctx.db);
  const parts: string[] = [];
  for (const { name } of tables.rows) {
    const rows = await sql`select * from ${sql.table(name)}`.execute(ctx.db);
    parts.push(`${name}: ${JSON.stringify(rows.rows)}`);
  }
  return parts.join('\n');
}
