/**
 * The outbox dispatcher's throughput: N messages enqueued, then delivered over SMTP (nodemailer's
 * pool) to an SMTP server in this same process, which only counts what it receives. The figure is
 * what one dispatcher process sustains; the SMTP server shares its CPU, so a remote relay would do
 * no worse on this side.
 *
 *   node bench/dispatcher.ts [messages]          # both dialects; PostgreSQL at TEST_DATABASE_URL
 *   (or benchDispatcher('sqlite', 5000) from bench/run.ts)
 *
 * Each run works in a fresh SQLite file or PostgreSQL schema and removes it afterwards.
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SMTPServer } from 'smtp-server';
import { manualClock } from '../src/clock.ts';
import { loadConfig } from '../src/config/config.ts';
import { createContext } from '../src/context.ts';
import { createLogger } from '../src/logging.ts';
import { createDispatcher } from '../src/mail/dispatcher.ts';
import { queueMail } from '../src/mail/queue.ts';
import { createTransport } from '../src/mail/transport.ts';

export interface DispatcherFigures {
  dialect: string;
  messages: number;
  seconds: number;
  perSecond: number;
}

const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const ENQUEUE_CHUNK = 500;

export async function benchDispatcher(
  dialect: 'sqlite' | 'postgres',
  messages: number,
): Promise<DispatcherFigures> {
  process.env['TEST_DATABASE_URL'] ??= DEFAULT_POSTGRES_URL;
  // Imported here, after the default URL is in place: the helper reads it when loaded.
  const { createTestDatabase } = await import('../test/helpers/storage.ts');
  const smtp = await countingSmtpServer();
  const database = await createTestDatabase(dialect);
  const config = loadConfig({
    DATABASE_URL: database.url,
    PUBLIC_URL: 'https://oto.test',
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    LOG_LEVEL: 'warn',
  });
  const clock = manualClock(Date.now());
  const ctx = createContext(config, database.storage, createLogger({ level: 'warn' }), { clock });
  const transport = createTransport(config);
  try {
    for (let start = 0; start < messages; start += ENQUEUE_CHUNK) {
      await ctx.db.transaction().execute(async (trx) => {
        for (let i = start; i < Math.min(messages, start + ENQUEUE_CHUNK); i++) {
          await queueMail(ctx, trx, 'password_reset', `user${i}@example.com`, {
            link: `https://oto.test/reset-password?token=${i.toString().padStart(43, 'x')}`,
            validFor: '1 hour',
          });
        }
      });
    }

    const dispatcher = createDispatcher(ctx, { transport });
    const started = performance.now();
    let sent = 0;
    for (;;) {
      const report = await dispatcher.dispatchBatch();
      sent += report.sent;
      if (report.claimed === 0) break;
    }
    const seconds = (performance.now() - started) / 1000;
    if (sent !== messages || smtp.received() !== messages) {
      throw new Error(`sent ${sent}, received ${smtp.received()}, expected ${messages}`);
    }
    return { dialect, messages, seconds, perSecond: messages / seconds };
  } finally {
    await transport.close();
    await smtp.close();
    await database.drop();
  }
}

async function countingSmtpServer() {
  let received = 0;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    closeTimeout: 100,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        received++;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    received: () => received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (import.meta.main) {
  const messages = Number(process.argv[2] ?? 2000);
  for (const dialect of ['sqlite', 'postgres'] as const) {
    try {
      const f = await benchDispatcher(dialect, messages);
      process.stdout.write(
        `dispatcher ${f.dialect}: ${f.messages} messages in ${f.seconds.toFixed(2)} s = ${Math.round(f.perSecond)} messages/s\n`,
      );
    } catch (error) {
      process.stdout.write(`dispatcher ${dialect}: not measured (${String(error)})\n`);
    }
  }
}
