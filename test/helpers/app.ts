import { Writable } from 'node:stream';
import { type Clock, manualClock } from '../../src/clock.ts';
import { type Config, loadConfig } from '../../src/config/config.ts';
import { type Context, createContext } from '../../src/context.ts';
import type { Dialect } from '../../src/db/schema.ts';
import { type App, buildApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logging.ts';
import { createTestDatabase, type TestDatabase } from './storage.ts';

export const TEST_API_KEY = 'test-api-key-0123456789abcdefghij';
export const PUBLIC_URL = 'https://oto.test';
const TEST_SIGNING_KEYS = `test:${'c3'.repeat(32)}`;

/** Every log line the app wrote, so tests can search them for secrets. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export interface TestApp {
  app: App;
  ctx: Context;
  config: Config;
  database: TestDatabase;
  clock: Clock & { advance(ms: number): void };
  logs: LogCapture;
  close(): Promise<void>;
}

/** The whole HTTP application on a fresh database, with a manual clock and captured logs. */
export async function startTestApp(dialect: Dialect, env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase(dialect);
  const config = loadConfig({
    DATABASE_URL: database.url,
    PUBLIC_URL,
    OTO_API_KEYS: TEST_API_KEY,
    LOG_LEVEL: 'info',
    // oto refuses to start on PostgreSQL without signing keys (src/tokens/keyring.ts); on SQLite it
    // makes a development key beside the database, as a first run does.
    ...(dialect === 'postgres' ? { OTO_SIGNING_KEYS: TEST_SIGNING_KEYS } : {}),
    ...env,
  });
  const clock = manualClock(Date.now());
  const logs = new LogCapture();
  const logger = createLogger({ level: config.logLevel, destination: logs });
  const ctx = createContext(config, database.storage, logger, { clock });
  const app = await buildApp(ctx);
  await app.ready();
  return {
    app,
    ctx,
    config,
    database,
    clock,
    logs,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

/** Signs up through the API (a second later on the app's clock) and returns the new account's id. */
export async function signUpThroughApi(t: TestApp, email: string, password = 'correct horse battery staple') {
  t.clock.advance(1000);
  const res = await t.app.inject({ method: 'POST', url: '/v1/users', payload: { email, password } });
  if (res.statusCode !== 202) throw new Error(`sign-up answered ${res.statusCode}: ${res.body}`);
  const user = await t.ctx.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  return user.id;
}

/** One series of an app's metrics, e.g. 'oto_tokens_issued_total{purpose="x"}'; 0 before it is first counted. */
export async function metricValue(t: TestApp, series: string): Promise<number> {
  const line = (await t.ctx.metrics.registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  return Number(line?.split(' ')[1] ?? 0);
}

export const apiHeaders = { authorization: `Bearer ${TEST_API_KEY}` };
