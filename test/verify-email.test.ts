import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSession } from '../src/accounts/sessions.ts';
import { metricValue, signUpThroughApi, startTestApp, type TestApp } from './helpers/app.ts';
import { type Inbox, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * Email verification as a user of either database sees it. A live token is spent with its binding
 * checked in SQL (on PostgreSQL in one statement for the whole verification) and everything else
 * goes step by step (src/accounts/verify-email.ts); these tests hold the paths to the same outcome,
 * down to the audit trail and the metrics.
 */
for (const { dialect, skip } of DIALECTS) {
  describe(`email verification on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let inbox: Inbox;
    before(async () => {
      inbox = await startInbox();
      t = await startTestApp(dialect, { RATE_LIMIT_PER_MINUTE: '0', ...inbox.env });
    });
    after(async () => {
      await t?.close();
      await inbox?.close();
    });

    const post = (url: string, payload: object) => {
      t.clock.advance(1000);
      return t.app.inject({ method: 'POST', url, payload });
    };

    async function signUp(email: string): Promise<{ userId: string; token: string }> {
      const userId = await signUpThroughApi(t, email);
      return { userId, token: tokenOf(tokenLink(await inbox.last(t.ctx, email, 'verify_email'))) };
    }

    const emailVerifiedAt = async (userId: string) =>
      (
        await t.ctx.db
          .selectFrom('users')
          .select('email_verified_at')
          .where('id', '=', userId)
          .executeTakeFirstOrThrow()
      ).email_verified_at;

    const auditOf = (userId: string) =>
      t.ctx.db
        .selectFrom('audit_events')
        .select(['event', 'detail', 'ip'])
        .where('user_id', '=', userId)
        .orderBy('id')
        .execute();

    test('verifying ends the sessions the account had, and the trail says how many', async () => {
      const { userId, token } = await signUp('had-sessions@example.com');
      await createSession(t.ctx, t.ctx.db, userId, { ip: '192.0.2.1' });
      await createSession(t.ctx, t.ctx.db, userId, { ip: '192.0.2.2' });

      const res = await post('/v1/users/verify', { token });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'verified' });

      const sessions = await t.ctx.db
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .execute();
      assert.equal(sessions.length, 0);
      const user = await t.ctx.db
        .selectFrom('users')
        .select(['email_verified_at', 'updated_at'])
        .where('id', '=', userId)
        .executeTakeFirstOrThrow();
      assert.equal(user.email_verified_at, t.clock.now());
      assert.equal(user.updated_at, t.clock.now());
      const events = (await auditOf(userId)).slice(1);
      assert.deepEqual(events.map((e) => e.event).sort(), ['sessions.revoked', 'user.email_verified']);
      const revoked = events.find((e) => e.event === 'sessions.revoked');
      assert.deepEqual(JSON.parse(revoked?.detail ?? 'null'), { reason: 'email_verified', count: 2 });
      assert.ok(events.every((e) => e.ip === '127.0.0.1'));
    });

    test('without sessions there is no sessions.revoked event', async () => {
      const { userId, token } = await signUp('no-sessions@example.com');
      assert.equal((await post('/v1/users/verify', { token })).statusCode, 200);
      assert.deepEqual(
        (await auditOf(userId)).map((e) => e.event),
        ['user.signed_up', 'user.email_verified'],
      );
    });

    test('a link for an address that was verified another way spends the token and changes nothing else', async () => {
      const { userId, token } = await signUp('verified-elsewhere@example.com');
      const verifiedAt = t.clock.now() - 500;
      await t.ctx.db
        .updateTable('users')
        .set({ email_verified_at: verifiedAt })
        .where('id', '=', userId)
        .execute();
      await createSession(t.ctx, t.ctx.db, userId);

      const res = await post('/v1/users/verify', { token });
      assert.deepEqual(res.json(), { status: 'already_verified' });
      assert.equal((await t.ctx.tokens.inspect(t.ctx.db, 'verify_email', token)).state, 'used');
      assert.equal(await emailVerifiedAt(userId), verifiedAt);
      const sessions = await t.ctx.db
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .execute();
      assert.equal(sessions.length, 1, 'the session stays');
      assert.deepEqual(
        (await auditOf(userId)).map((e) => e.event),
        ['user.signed_up'],
      );
    });

    for (const [change, values] of [
      ['password', { password_version: 2 }],
      ['address', { email_normalized: 'changed-address@example.com' }],
    ] as const) {
      test(`a link sent before the account's ${change} changed verifies nothing and stays unspent`, async () => {
        const email = `bound-${change}@example.com`;
        const { userId, token } = await signUp(email);
        // The change leaves the token live: only its binding holds the link to the account as it was.
        await t.ctx.db.updateTable('users').set(values).where('id', '=', userId).execute();

        const res = await post('/v1/users/verify', { token });
        assert.equal(res.statusCode, 410);
        assert.equal(res.json().code, 'token_revoked');
        assert.equal((await t.ctx.tokens.inspect(t.ctx.db, 'verify_email', token)).state, 'active');
        assert.equal(await emailVerifiedAt(userId), null);
      });
    }

    test('of 20 concurrent verifications with one link, one verifies and the rest see it done', async () => {
      const { userId, token } = await signUp('concurrent@example.com');
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          t.app.inject({ method: 'POST', url: '/v1/users/verify', payload: { token } }),
        ),
      );
      const statuses = answers.map((a) => (a.json() as { status: string }).status);
      assert.equal(statuses.filter((s) => s === 'verified').length, 1);
      assert.equal(statuses.filter((s) => s === 'already_verified').length, 19);
      const verifiedEvents = (await auditOf(userId)).filter((e) => e.event === 'user.email_verified');
      assert.equal(verifiedEvents.length, 1);
    });

    test('each verification is counted once in the token metrics, whichever path served it', async () => {
      const counted = () => metricValue(t, 'oto_token_consumes_total{purpose="verify_email",outcome="ok"}');
      const before = await counted();
      const { token } = await signUp('counted@example.com');
      assert.equal((await post('/v1/users/verify', { token })).statusCode, 200);
      assert.equal((await post('/v1/users/verify', { token })).statusCode, 200);
      assert.equal(await counted(), before + 1);
    });
  });
}
