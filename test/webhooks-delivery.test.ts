import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deleteAccount } from '../src/accounts/account-deletion.ts';
import { changePassword } from '../src/accounts/change-password.ts';
import { confirmEmailChange, requestEmailChange } from '../src/accounts/email-change.ts';
import { logIn } from '../src/accounts/login.ts';
import { signUp } from '../src/accounts/signup.ts';
import { disableUser } from '../src/accounts/user-status.ts';
import { findUserById } from '../src/accounts/users.ts';
import { verifyEmail } from '../src/accounts/verify-email.ts';
import { WEBHOOK_EVENTS } from '../src/events.ts';
import { acceptInvitation } from '../src/invitations/accepting.ts';
import { invite } from '../src/invitations/inviting.ts';
import { setSubscribed } from '../src/newsletter/subscription.ts';
import { listDeliveries } from '../src/webhooks/deliveries.ts';
import { createWebhookDispatcher } from '../src/webhooks/dispatcher.ts';
import { createEndpoint } from '../src/webhooks/endpoints.ts';
import { recordEvent, transact } from '../src/webhooks/record.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { DIALECTS } from './helpers/storage.ts';
import { independentlyValid, type Receiver, startReceiver } from './helpers/webhooks.ts';

// Events reach a real HTTP receiver once each, signed; failures are retried and recorded; a
// rolled-back change sends nothing.

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'another long enough passphrase';
const operator = { actor: 'ops', ip: null };

async function linkToken(t: TestApp, recipient: string, kind: string): Promise<string> {
  const row = await t.ctx.db
    .selectFrom('email_outbox')
    .select('text_body')
    .where('recipient', '=', recipient)
    .where('kind', '=', kind)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  const token = /token=([A-Za-z0-9_.~-]+)/.exec(row.text_body ?? '')?.[1];
  assert.ok(token, `a ${kind} link`);
  return decodeURIComponent(token);
}

/** Runs the dispatcher until nothing is due, moving the clock past each backoff. */
async function drain(t: TestApp, rounds = 10): Promise<void> {
  const dispatcher = createWebhookDispatcher(t.ctx, { random: () => 0 });
  for (let i = 0; i < rounds; i++) {
    const report = await dispatcher.dispatchBatch();
    if (report.claimed === 0) {
      const waiting = await t.ctx.db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('status', 'in', ['pending', 'sending'])
        .execute();
      if (waiting.length === 0) return;
    }
    t.clock.advance(3_600_000);
  }
}

for (const { dialect, skip } of DIALECTS) {
  describe(`webhook delivery on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let receiver: Receiver;
    before(async () => {
      t = await startTestApp(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true' });
      receiver = await startReceiver();
    });
    after(async () => {
      await receiver.close();
      await t.close();
    });

    it('delivers every event type once, signed so that an independent check accepts it', async () => {
      const created = await createEndpoint(
        t.ctx,
        { url: receiver.url(), events: [...WEBHOOK_EVENTS] },
        operator,
      );
      assert.ok(created.ok);
      const secretTokens: string[] = [];

      assert.deepEqual(await signUp(t.ctx, { email: 'alice@example.com', password: PASSWORD, ip: null }), {
        ok: true,
      });
      const verifyToken = await linkToken(t, 'alice@example.com', 'verify_email');
      assert.equal((await verifyEmail(t.ctx, verifyToken, null)).ok, true);
      const first = await logIn(t.ctx, { email: 'alice@example.com', password: PASSWORD });
      const second = await logIn(t.ctx, { email: 'alice@example.com', password: PASSWORD });
      assert.ok(first.ok && second.ok);
      secretTokens.push(verifyToken, first.created.token, second.created.token);
      const alice = first.user;
      assert.equal(
        (
          await changePassword(t.ctx, {
            user: alice,
            sessionId: first.created.session.id,
            currentPassword: PASSWORD,
            newPassword: NEW_PASSWORD,
            ip: null,
          })
        ).ok,
        true,
      );
      assert.equal(await setSubscribed(t.ctx, alice.id, false, null), 'changed');
      const current = (await findUserById(t.ctx.db, alice.id))!;
      assert.equal(
        (
          await requestEmailChange(t.ctx, {
            user: current,
            newEmail: 'alice@new.example',
            password: NEW_PASSWORD,
            ip: null,
          })
        ).ok,
        true,
      );
      const changeToken = await linkToken(t, 'alice@new.example', 'email_change');
      secretTokens.push(changeToken);
      assert.equal(
        (
          await confirmEmailChange(t.ctx, {
            token: changeToken,
            userId: alice.id,
            sessionId: first.created.session.id,
            ip: null,
          })
        ).ok,
        true,
      );
      const inviter = (await findUserById(t.ctx.db, alice.id))!;
      assert.equal((await invite(t.ctx, inviter, { email: 'bob@example.com' }, null)).ok, true);
      const inviteToken = await linkToken(t, 'bob@example.com', 'invitation');
      secretTokens.push(inviteToken);
      const accepted = await acceptInvitation(t.ctx, {
        token: inviteToken,
        password: PASSWORD,
        sessionUser: null,
        ip: null,
        userAgent: null,
      });
      assert.ok(accepted.ok);
      assert.equal((await disableUser(t.ctx, accepted.userId, 'test', operator)).ok, true);
      assert.equal((await deleteAccount(t.ctx, { userId: alice.id, actor: 'self', ip: null })).ok, true);

      await drain(t);
      const recorded = await t.ctx.db.selectFrom('webhook_events').select(['id', 'name']).execute();
      const ids = receiver.received.map((m) => String(m.headers['webhook-id']));
      assert.equal(new Set(ids).size, ids.length, 'no event arrives twice');
      assert.deepEqual([...ids].sort(), recorded.map((r) => r.id).sort(), 'every recorded event arrived');
      const types = receiver.received.map((m) => (JSON.parse(m.body) as { type: string }).type);
      assert.deepEqual([...new Set(types)].sort(), [...WEBHOOK_EVENTS].sort());
      const count = (name: string) => types.filter((type) => type === name).length;
      assert.equal(count('user.created'), 2);
      assert.equal(count('session.created'), 3);
      assert.equal(count('user.deleted'), 1);
      for (const message of receiver.received) {
        assert.ok(independentlyValid(created.secret, message), `valid signature on ${message.body}`);
        assert.equal(message.headers['content-type'], 'application/json');
        for (const secret of secretTokens) assert.ok(!message.body.includes(secret), 'no token in a payload');
        assert.doesNotMatch(message.body, /password_hash|token_hash|\$argon2/);
      }
      const body = JSON.parse(receiver.received.find((m) => m.body.includes('"user.email_changed"'))!.body);
      assert.deepEqual(body.data, {
        userId: alice.id,
        previousEmail: 'alice@example.com',
        email: 'alice@new.example',
      });
    });

    it('retries a failing receiver: three failures then a success are one delivery of four attempts', async () => {
      receiver.received.length = 0;
      await t.ctx.db.deleteFrom('webhook_endpoints').execute();
      const created = await createEndpoint(
        t.ctx,
        { url: receiver.url('/flaky'), events: ['user.created'] },
        operator,
      );
      assert.ok(created.ok);
      receiver.answers.push(500, { status: 503, body: 'x'.repeat(1000) }, 302, 200);
      await signUp(t.ctx, { email: 'carol@example.com', password: PASSWORD, ip: null });
      await drain(t);
      assert.equal(receiver.received.length, 4);
      assert.equal(new Set(receiver.received.map((m) => m.headers['webhook-id'])).size, 1, 'one message');
      const [delivery, ...others] = await listDeliveries(t.ctx, { endpointId: created.endpoint.id });
      assert.equal(others.length, 0);
      assert.equal(delivery!.status, 'succeeded');
      assert.deepEqual(
        delivery!.attempts.map((a) => a.responseStatus),
        [500, 503, 302, 200],
      );
      assert.equal(delivery!.attempts[1]!.responseExcerpt!.length, 200, 'a short excerpt of the answer');
      // Backoff: each attempt waited at least as long as the previous one.
      const at = delivery!.attempts.map((a) => a.at);
      assert.ok(at[1]! < at[2]! && at[2]! < at[3]!);
    });

    it('gives up after WEBHOOK_RETRY_FOR and disables an endpoint that answers 410', async () => {
      receiver.received.length = 0;
      await t.ctx.db.deleteFrom('webhook_endpoints').execute();
      const created = await createEndpoint(
        t.ctx,
        { url: receiver.url('/gone'), events: ['user.created'] },
        operator,
      );
      assert.ok(created.ok);
      receiver.answers.push(410);
      await signUp(t.ctx, { email: 'dave@example.com', password: PASSWORD, ip: null });
      await drain(t);
      const [delivery] = await listDeliveries(t.ctx, { endpointId: created.endpoint.id });
      assert.equal(delivery!.status, 'failed');
      const row = await t.ctx.db.selectFrom('webhook_endpoints').selectAll().executeTakeFirstOrThrow();
      assert.equal(row.disabled_reason, 'gone');
      await signUp(t.ctx, { email: 'erin@example.com', password: PASSWORD, ip: null });
      assert.equal(
        (await listDeliveries(t.ctx, { endpointId: created.endpoint.id })).length,
        1,
        'nothing more queued',
      );

      await t.ctx.db.deleteFrom('webhook_endpoints').execute();
      const down = await createEndpoint(
        t.ctx,
        { url: receiver.url('/down'), events: ['user.created'] },
        operator,
      );
      assert.ok(down.ok);
      for (let i = 0; i < 100; i++) receiver.answers.push(500);
      await signUp(t.ctx, { email: 'frank@example.com', password: PASSWORD, ip: null });
      await drain(t, 200);
      const [failing] = await listDeliveries(t.ctx, { endpointId: down.endpoint.id });
      assert.equal(failing!.status, 'failed');
      const span = failing!.attempts.at(-1)!.at - failing!.createdAt;
      assert.ok(span <= 3 * 86_400_000 && span > 2 * 86_400_000, `retried for about 3 days (${span} ms)`);
      receiver.answers.length = 0;
    });

    it('sends nothing for a rolled-back transaction', async () => {
      receiver.received.length = 0;
      await t.ctx.db.deleteFrom('webhook_endpoints').execute();
      const created = await createEndpoint(
        t.ctx,
        { url: receiver.url(), events: ['user.disabled'] },
        operator,
      );
      assert.ok(created.ok);
      const heard: unknown[] = [];
      t.ctx.events.on('user.disabled', (payload) => {
        heard.push(payload);
      });
      const before = await t.ctx.db.selectFrom('webhook_events').select('id').execute();
      await assert.rejects(
        transact(t.ctx, async (trx) => {
          await recordEvent(t.ctx, trx, 'user.disabled', { userId: 'x', actor: 'ops' });
          throw new Error('the change fails');
        }),
        /the change fails/,
      );
      await drain(t);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(receiver.received.length, 0);
      assert.deepEqual(heard, []);
      assert.equal(
        (await t.ctx.db.selectFrom('webhook_events').select('id').execute()).length,
        before.length,
      );
    });
  });
}
