import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { buildLink } from '../src/links/links.ts';
import { claimDue, outboxStats } from '../src/mail/claims.ts';
import { createDispatcher } from '../src/mail/dispatcher.ts';
import { queueMail } from '../src/mail/queue.ts';
import { describeSendError, retryDelayMs } from '../src/mail/retry.ts';
import type { MailObserver } from '../src/metrics.ts';
import { createMailTestContext, deliverDue, dumpDatabase, type MailTestContext } from './helpers/mail.ts';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.ts';
import { DIALECTS } from './helpers/storage.ts';

const HOUR = 3_600_000;

function countingObserver() {
  const counts = { sent: 0, failed: 0, retried: 0 };
  const observer: MailObserver = {
    sent: () => void counts.sent++,
    failed: () => void counts.failed++,
    retried: () => void counts.retried++,
  };
  return { counts, observer };
}

for (const { dialect, skip } of DIALECTS) {
  describe(`outbox dispatcher over SMTP on ${dialect}`, { skip }, () => {
    let smtp: TestSmtpServer;
    let t: MailTestContext;

    before(async () => {
      smtp = await startSmtpServer();
    });
    after(() => smtp?.close());
    beforeEach(async () => {
      await t?.close();
      await smtp.restart();
      smtp.acceptAll();
      smtp.clear();
      t = await createMailTestContext(dialect, { SMTP_URL: smtp.url, OUTBOX_MAX_ATTEMPTS: '4' });
    });
    after(() => t?.close());

    const reset = (to: string, link = 'https://oto.test/reset-password?token=x') =>
      queueMail(t.ctx, t.ctx.db, 'password_reset', to, { link, validFor: '1 hour' });
    const row = (id: string) =>
      t.ctx.db.selectFrom('email_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    test('account mail is claimed before a newsletter backlog queued ahead of it', async () => {
      for (let i = 0; i < 20; i++) {
        await queueMail(t.ctx, t.ctx.db, 'newsletter', `reader${i}@example.com`, {
          subject: 'News',
          text: 'Hello',
          unsubscribeLink: 'https://oto.test/unsubscribe?token=x',
        });
      }
      t.clock.advance(1000);
      await reset('urgent@example.com');
      const claimed = await claimDue(t.ctx, { batchSize: 5, leaseMs: 60_000 });
      assert.equal(claimed.length, 5);
      assert.equal(claimed[0]?.recipient, 'urgent@example.com');
      assert.deepEqual(
        claimed.slice(1).map((m) => m.kind),
        ['newsletter', 'newsletter', 'newsletter', 'newsletter'],
      );
    });

    test('a message enqueued in a transaction that rolls back is never sent', async () => {
      await assert.rejects(
        t.ctx.db.transaction().execute(async (trx) => {
          await queueMail(t.ctx, trx, 'password_reset', 'ghost@example.com', {
            link: 'https://oto.test/r?token=ghost',
            validFor: '1 hour',
          });
          throw new Error('the flow failed after enqueueing');
        }),
        /the flow failed/,
      );
      await t.ctx.db.transaction().execute((trx) =>
        queueMail(t.ctx, trx, 'password_reset', 'real@example.com', {
          link: 'https://oto.test/r?token=real',
          validFor: '1 hour',
        }),
      );
      const result = await deliverDue(t.ctx, { transport: t.transport });
      assert.equal(result.sent, 1);
      const received = await smtp.waitForMessages(1);
      assert.deepEqual(
        received.map((m) => m.envelope.to),
        [['real@example.com']],
      );
      const rows = await t.ctx.db.selectFrom('email_outbox').select('recipient').execute();
      assert.deepEqual(
        rows.map((r) => r.recipient),
        ['real@example.com'],
      );
    });

    test('sent messages keep their Message-ID, sender and headers, and lose their bodies', async () => {
      const id = await reset('a@example.com');
      const before = await row(id);
      const { counts, observer } = countingObserver();
      await deliverDue(t.ctx, { transport: t.transport, observer });
      const [mail] = await smtp.waitForMessages(1);
      assert.equal(mail!.messageId, before.message_id);
      assert.equal(mail!.parsed.subject, before.subject);
      assert.match(mail!.parsed.text ?? '', /reset-password\?token=x/);
      const after = await row(id);
      assert.equal(after.status, 'sent');
      assert.equal(after.sent_at, t.clock.now());
      assert.equal(after.attempts, 1);
      assert.equal(after.text_body, null);
      assert.equal(after.html_body, null);
      assert.equal(after.headers, null);
      assert.equal(after.lease_until, null);
      assert.deepEqual(counts, { sent: 1, failed: 0, retried: 0 });
    });

    test('SMTP down: messages stay pending and retry; when it returns each arrives exactly once', async () => {
      await smtp.stop();
      const ids = [await reset('a@example.com'), await reset('b@example.com'), await reset('c@example.com')];
      const { counts, observer } = countingObserver();

      const first = await deliverDue(t.ctx, { transport: t.transport, observer });
      assert.deepEqual(first, { sent: 0, retried: 3, failed: 0 });
      for (const id of ids) {
        const r = await row(id);
        assert.equal(r.status, 'pending');
        assert.equal(r.attempts, 1);
        assert.match(r.last_error ?? '', /^transport error /);
        assert.ok(r.next_attempt_at > t.clock.now(), 'the retry waits for its backoff');
        assert.notEqual(r.text_body, null, 'a pending message keeps its body');
      }
      // Not due yet: nothing is claimed before the backoff has passed.
      assert.deepEqual(await deliverDue(t.ctx, { transport: t.transport }), {
        sent: 0,
        retried: 0,
        failed: 0,
      });

      // Still down at the second attempt.
      t.clock.advance(HOUR);
      assert.equal((await deliverDue(t.ctx, { transport: t.transport, observer })).retried, 3);

      await smtp.restart();
      t.clock.advance(HOUR);
      assert.equal((await deliverDue(t.ctx, { transport: t.transport, observer })).sent, 3);
      // Nothing is sent again later, even long after every lease would have run out.
      t.clock.advance(24 * HOUR);
      assert.equal((await deliverDue(t.ctx, { transport: t.transport, observer })).sent, 0);

      const received = await smtp.waitForMessages(3);
      assert.equal(received.length, 3);
      assert.deepEqual(received.map((m) => m.envelope.to[0]).sort(), [
        'a@example.com',
        'b@example.com',
        'c@example.com',
      ]);
      assert.equal(new Set(received.map((m) => m.messageId)).size, 3);
      for (const id of ids) {
        const r = await row(id);
        assert.equal(r.status, 'sent');
        assert.equal(r.attempts, 3);
      }
      assert.deepEqual(counts, { sent: 3, failed: 0, retried: 6 });
    });

    test('a permanent 5xx rejection fails at once, with the code recorded and the bodies erased', async () => {
      const token = 'Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg';
      // Servers may quote the message back in their reply; none of that may reach last_error.
      smtp.rejectWith(550, `5.7.1 Refused: content https://oto.test/r?token=${token}`);
      const id = await reset('a@example.com', `https://oto.test/r?token=${token}`);
      const { counts, observer } = countingObserver();
      assert.deepEqual(await deliverDue(t.ctx, { transport: t.transport, observer }), {
        sent: 0,
        retried: 0,
        failed: 1,
      });
      const r = await row(id);
      assert.equal(r.status, 'failed');
      assert.equal(r.attempts, 1);
      assert.match(r.last_error ?? '', /^SMTP 550\b.*permanent rejection$/);
      assert.doesNotMatch(r.last_error ?? '', /token|Refused|oto\.test/);
      assert.equal(r.text_body, null);
      assert.equal(r.html_body, null);
      assert.equal(smtp.rejected, 1);
      assert.deepEqual(counts, { sent: 0, failed: 1, retried: 0 });
      assert.ok(!t.logs.text().includes(token), 'the token is not in the logs');
      // A failed message is never picked up again.
      t.clock.advance(24 * HOUR);
      assert.equal((await deliverDue(t.ctx, { transport: t.transport })).failed, 0);
    });

    test('an address the mailer cannot use fails at once, without reaching the server', async () => {
      const id = await reset('not an address');
      assert.equal((await deliverDue(t.ctx, { transport: t.transport })).failed, 1);
      const r = await row(id);
      assert.equal(r.status, 'failed');
      assert.equal(r.last_error, 'transport error EENVELOPE');
      assert.equal(smtp.messages.length + smtp.rejected, 0);
    });

    test('a 4xx rejection retries with backoff up to the attempt limit, then fails', async () => {
      smtp.rejectWith(451);
      const id = await reset('a@example.com');
      const { counts, observer } = countingObserver();
      for (let attempt = 1; attempt <= 4; attempt++) {
        await deliverDue(t.ctx, { transport: t.transport, observer });
        const r = await row(id);
        assert.equal(r.attempts, attempt);
        assert.match(r.last_error ?? '', /^SMTP 451\b.*temporary failure$/);
        assert.equal(r.status, attempt < 4 ? 'pending' : 'failed');
        t.clock.advance(2 * HOUR);
      }
      assert.deepEqual(counts, { sent: 0, failed: 1, retried: 3 });
      assert.equal((await row(id)).text_body, null);
      assert.equal(smtp.rejected, 4);
    });

    test('a crashed dispatcher: its messages are re-sent after the lease, with the same Message-ID', async () => {
      const first = await reset('a@example.com');
      const second = await reset('b@example.com');
      // The crashed dispatcher claimed both and got the first out before dying.
      const claimed = await claimDue(t.ctx, { batchSize: 10, leaseMs: 60_000 });
      assert.equal(claimed.length, 2);
      await t.transport.send(claimed.find((m) => m.id === first)!);

      // While its lease runs, nobody else takes them.
      assert.equal((await deliverDue(t.ctx, { transport: t.transport })).sent, 0);
      t.clock.advance(60_000);
      assert.equal((await deliverDue(t.ctx, { transport: t.transport })).sent, 2);

      const received = await smtp.waitForMessages(3);
      const expectedFirst = (await row(first)).message_id;
      const copies = received.filter((m) => m.envelope.to[0] === 'a@example.com');
      assert.equal(copies.length, 2, 'at least once: the first message went out twice');
      assert.deepEqual(
        copies.map((m) => m.messageId),
        [expectedFirst, expectedFirst],
      );
      assert.equal(received.filter((m) => m.envelope.to[0] === 'b@example.com').length, 1);
      assert.equal((await row(first)).attempts, 2);
      assert.equal((await row(second)).status, 'sent');
    });

    test('a holder whose lease was taken over writes nothing', async () => {
      const id = await reset('a@example.com');
      const stale = createDispatcher(t.ctx, { transport: slowFirstSend(t.transport), leaseMs: 1000 });
      // The stale dispatcher claims and sends slowly; meanwhile its lease runs out and another
      // dispatcher re-sends and records the message. The stale one's outcome must not overwrite it.
      const staleRun = stale.dispatchBatch();
      await waitUntil(async () => (await row(id)).status === 'sending');
      t.clock.advance(2000);
      assert.equal((await deliverDue(t.ctx, { transport: t.transport })).sent, 1);
      const afterTakeover = await row(id);
      release();
      const staleReport = await staleRun;
      assert.equal(staleReport.sent, 0, 'the stale holder does not count the message as its own');
      assert.deepEqual(await row(id), afterTakeover);
    });

    test('a stopping dispatcher hands back what it claimed and did not send', async () => {
      await reset('a@example.com');
      await reset('b@example.com');
      const controller = new AbortController();
      controller.abort();
      const report = await createDispatcher(t.ctx, { transport: t.transport }).dispatchBatch(
        controller.signal,
      );
      assert.equal(report.claimed, 2);
      assert.equal(report.released, 2);
      const rows = await t.ctx.db.selectFrom('email_outbox').selectAll().execute();
      for (const r of rows) {
        assert.equal(r.status, 'pending');
        assert.equal(r.attempts, 0, 'a released claim is not an attempt');
        assert.equal(r.lease_until, null);
        assert.ok(r.next_attempt_at <= t.clock.now(), 'due again at once');
      }
      assert.equal((await deliverDue(t.ctx, { transport: t.transport })).sent, 2);
    });

    test('the backlog reports depth and the age of the oldest waiting message', async () => {
      assert.deepEqual(await outboxStats(t.ctx), { depth: 0, oldestPendingAgeSeconds: 0 });
      await reset('a@example.com');
      t.clock.advance(90_000);
      await reset('b@example.com');
      assert.deepEqual(await outboxStats(t.ctx), { depth: 2, oldestPendingAgeSeconds: 90 });
      await deliverDue(t.ctx, { transport: t.transport });
      assert.deepEqual(await outboxStats(t.ctx), { depth: 0, oldestPendingAgeSeconds: 0 });
    });

    test('after delivery no token issued by the engine is anywhere in the database', async () => {
      const { ctx } = t;
      const tokens: string[] = [];
      await ctx.db.transaction().execute(async (trx) => {
        const issue = async (purpose: string, subject: string) => {
          const { token } = await ctx.tokens.issue(trx, { purpose, subject });
          tokens.push(token);
          return token;
        };
        const link = (kind: Parameters<typeof buildLink>[1], token: string) =>
          buildLink(ctx.config, kind, token);
        await queueMail(ctx, trx, 'verify_email', 'v@example.com', {
          link: link('verifyEmail', await issue('verify_email', 'v@example.com')),
          validFor: '24 hours',
        });
        await queueMail(ctx, trx, 'password_reset', 'r@example.com', {
          link: link('resetPassword', await issue('password_reset', 'r@example.com')),
          validFor: '1 hour',
        });
        await queueMail(ctx, trx, 'email_change', 'new@example.com', {
          link: link('confirmEmail', await issue('email_change', 'new@example.com')),
          validFor: '1 hour',
          newEmail: 'new@example.com',
        });
        await queueMail(ctx, trx, 'invitation', 'i@example.com', {
          link: link('invite', await issue('invitation', 'i@example.com')),
          validFor: '7 days',
          inviter: 'Ada',
          scope: 'Team',
          role: 'member',
        });
        await queueMail(ctx, trx, 'newsletter', 'n@example.com', {
          subject: 'News',
          text: 'Hello',
          unsubscribeLink: link('unsubscribe', await issue('unsubscribe', 'n@example.com')),
        });
      });
      // The scan can see a token when there is one: before delivery, every one is in the outbox.
      const beforeDelivery = await dumpDatabase(ctx);
      for (const token of tokens) assert.ok(beforeDelivery.includes(token));

      assert.equal((await deliverDue(ctx, { transport: t.transport })).sent, 5);
      // A message that fails for good is erased too.
      smtp.rejectWith(550);
      const bounced = await ctx.tokens.issue(ctx.db, { purpose: 'password_reset', subject: 'b@example.com' });
      tokens.push(bounced.token);
      await queueMail(ctx, ctx.db, 'password_reset', 'bounced@example.com', {
        link: buildLink(ctx.config, 'resetPassword', bounced.token),
        validFor: '1 hour',
      });
      assert.equal((await deliverDue(ctx, { transport: t.transport })).failed, 1);

      const received = (await smtp.waitForMessages(5)).map((m) => m.raw).join('\n');
      for (const token of tokens.slice(0, 5)) assert.ok(received.includes(token), 'the token was delivered');
      const afterDelivery = await dumpDatabase(ctx);
      assert.match(afterDelivery, /email_outbox/);
      for (const token of tokens) assert.ok(!afterDelivery.includes(token), 'no token rests in the database');
      for (const token of tokens) assert.ok(!t.logs.text().includes(token), 'no token in the logs');
    });
  });
}

describe('send errors and backoff', () => {
  test('5xx is permanent except 503; 4xx, connection and authentication errors are transient', () => {
    const smtpError = (responseCode: number, extra: object = {}) =>
      Object.assign(
        new Error('x'),
        { code: 'EMESSAGE', responseCode, response: `${responseCode} 5.1.1 user@x` },
        extra,
      );
    assert.equal(describeSendError(smtpError(550)).permanent, true);
    assert.equal(describeSendError(smtpError(554)).permanent, true);
    assert.equal(describeSendError(smtpError(503)).permanent, false);
    assert.equal(describeSendError(smtpError(451)).permanent, false);
    assert.equal(
      describeSendError(smtpError(535, { code: 'EAUTH', command: 'AUTH PLAIN' })).permanent,
      false,
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED'), {
      code: 'ESOCKET',
      originalCode: 'ECONNREFUSED',
    });
    assert.deepEqual(describeSendError(refused), {
      permanent: false,
      summary: 'transport error ESOCKET ECONNREFUSED',
    });
    assert.equal(describeSendError(smtpError(550)).summary, 'SMTP 550 5.1.1: permanent rejection');
    const noRecipient = Object.assign(new Error('No recipients defined'), { code: 'EENVELOPE' });
    assert.deepEqual(describeSendError(noRecipient), {
      permanent: true,
      summary: 'transport error EENVELOPE',
    });
  });

  test('backoff doubles from about 30 s, with jitter, and stops growing at an hour', () => {
    assert.equal(
      retryDelayMs(1, () => 0),
      15_000,
    );
    assert.equal(
      retryDelayMs(1, () => 0.999_999),
      30_000,
    );
    assert.equal(
      retryDelayMs(2, () => 0),
      30_000,
    );
    assert.equal(
      retryDelayMs(3, () => 0),
      60_000,
    );
    assert.equal(
      retryDelayMs(30, () => 1),
      3_600_000,
    );
  });
});

// A transport whose first send waits until release() is called: a sender that stalls past its
// lease (a long GC pause, a hung connection). Later sends go straight through.
let release: () => void = () => {};
function slowFirstSend(inner: MailTestContext['transport']): MailTestContext['transport'] {
  let first = true;
  return {
    ...inner,
    async send(message) {
      if (first) {
        first = false;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
      await inner.send(message);
    },
  };
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
