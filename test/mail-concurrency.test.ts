import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseDatabaseUrl } from '../src/config/config.ts';
import { createContext } from '../src/context.ts';
import { openStorage } from '../src/db/connect.ts';
import { createLogger } from '../src/logging.ts';
import { createDispatcher } from '../src/mail/dispatcher.ts';
import { queueMail } from '../src/mail/queue.ts';
import { createTransport } from '../src/mail/transport.ts';
import { LogCapture } from './helpers/app.ts';
import { createMailTestContext, type MailTestContext } from './helpers/mail.ts';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.ts';
import { DIALECTS } from './helpers/storage.ts';

const MESSAGES = 200;

for (const { dialect, skip } of DIALECTS) {
  describe(`two dispatchers sharing one outbox on ${dialect}`, { skip }, () => {
    let smtp: TestSmtpServer;
    let t: MailTestContext;

    before(async () => {
      smtp = await startSmtpServer();
      t = await createMailTestContext(dialect, { SMTP_URL: smtp.url });
    });
    after(async () => {
      await t?.close();
      await smtp?.close();
    });

    test(`${MESSAGES} messages: each arrives exactly once`, async () => {
      await t.ctx.db.transaction().execute(async (trx) => {
        for (let i = 0; i < MESSAGES; i++) {
          await queueMail(t.ctx, trx, 'password_reset', `user${i}@example.com`, {
            link: `https://oto.test/reset-password?token=${i}`,
            validFor: '1 hour',
          });
        }
      });

      // The second dispatcher has a connection pool (or SQLite connection) and an SMTP pool of its
      // own, as another process would.
      const storage = openStorage(parseDatabaseUrl(t.database.url), { poolSize: 4 });
      const other = createContext(t.config, storage, createLogger({ destination: new LogCapture() }), {
        clock: t.clock,
      });
      const otherTransport = createTransport(t.config);
      try {
        const drain = async (ctx: typeof t.ctx, transport: typeof t.transport) => {
          const dispatcher = createDispatcher(ctx, { transport, batchSize: 10 });
          let sent = 0;
          for (;;) {
            const report = await dispatcher.dispatchBatch();
            sent += report.sent;
            assert.equal(report.failed + report.retried, 0);
            if (report.claimed === 0) return sent;
          }
        };
        const [a, b] = await Promise.all([drain(t.ctx, t.transport), drain(other, otherTransport)]);
        assert.equal(a + b, MESSAGES);
        assert.ok(a > 0 && b > 0, `both dispatchers took part (${a} and ${b})`);
      } finally {
        await otherTransport.close();
        await storage.close();
      }

      const received = await smtp.waitForMessages(MESSAGES);
      assert.equal(received.length, MESSAGES);
      assert.equal(new Set(received.map((m) => m.messageId)).size, MESSAGES, 'no Message-ID twice');
      assert.equal(new Set(received.map((m) => m.envelope.to[0])).size, MESSAGES, 'every recipient once');
      const rows = await t.ctx.db.selectFrom('email_outbox').select(['status', 'attempts']).execute();
      assert.ok(rows.every((r) => r.status === 'sent' && r.attempts === 1));
    });
  });
}
