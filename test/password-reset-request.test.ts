import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { metricValue, signUpThroughApi, startTestApp, type TestApp } from './helpers/app.ts';
import { type Inbox, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * "Forgot password" as a user of either database sees it. On PostgreSQL the request is one
 * statement after the recipient's lock, on SQLite a series of them (src/accounts/password-reset.ts);
 * these tests hold the two to the same outcome: tokens, emails, audit trail and metrics.
 */
const CAP = 2;

for (const { dialect, skip } of DIALECTS) {
  describe(`password reset requests on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let inbox: Inbox;
    before(async () => {
      inbox = await startInbox();
      t = await startTestApp(dialect, {
        RATE_LIMIT_PER_MINUTE: '0',
        MAIL_CAP_RESET_PER_HOUR: String(CAP),
        ...inbox.env,
      });
    });
    after(async () => {
      await t?.close();
      await inbox?.close();
    });

    const post = (url: string, payload: object) => {
      t.clock.advance(1000);
      return t.app.inject({ method: 'POST', url, payload });
    };
    const requestReset = async (email: string) => {
      const res = await post('/v1/password-resets', { email });
      assert.equal(res.statusCode, 202);
      return res.body;
    };
    const stateOf = async (token: string) =>
      (await t.ctx.tokens.inspect(t.ctx.db, 'password_reset', token)).state;
    const resetTokensOf = (userId: string | null) =>
      t.ctx.db
        .selectFrom('security_tokens')
        .select('id')
        .where('purpose', '=', 'password_reset')
        .where('user_id', userId === null ? 'is' : '=', userId)
        .execute();
    const requests = (userId: string | null) =>
      t.ctx.db
        .selectFrom('audit_events')
        .select(['user_id', 'detail', 'ip'])
        .where('event', '=', 'password_reset.requested')
        .where('user_id', userId === null ? 'is' : '=', userId)
        .orderBy('id')
        .execute();
    const issuedCount = () => metricValue(t, 'oto_tokens_issued_total{purpose="password_reset"}');

    const signUp = (email: string) => signUpThroughApi(t, email);

    test('the email goes to the address as the account holds it, with a token that works', async () => {
      const userId = await signUp('Mixed.Case@Example.com');
      await requestReset('  mixed.case@EXAMPLE.com ');
      const mails = await inbox.to(t.ctx, 'Mixed.Case@Example.com', 'password_reset');
      assert.equal(mails.length, 1);
      const token = tokenOf(tokenLink(mails[0]!));
      assert.equal(await stateOf(token), 'active');
      const row = await t.ctx.db
        .selectFrom('email_outbox')
        .select(['user_id', 'recipient'])
        .where('kind', '=', 'password_reset')
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow();
      assert.equal(row.recipient, 'Mixed.Case@Example.com');
      const confirmed = await post('/v1/password-resets/confirm', {
        token,
        password: 'seven purple walruses sing',
      });
      assert.equal(confirmed.statusCode, 200);
      assert.deepEqual(
        (await requests(userId)).map((r) => JSON.parse(r.detail ?? 'null')),
        [{ sent: true }],
      );
    });

    test('a second request supersedes the first link', async () => {
      const email = 'twice@example.com';
      await signUp(email);
      await requestReset(email);
      const first = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'password_reset')));
      await requestReset(email);
      const second = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'password_reset')));
      assert.notEqual(first, second);
      assert.equal(await stateOf(first), 'revoked');
      assert.equal(await stateOf(second), 'active');
    });

    test('past the cap nothing is issued or sent, the live link stays, and the request is recorded', async () => {
      const email = 'capped@example.com';
      const userId = await signUp(email);
      const issuedBefore = await issuedCount();
      for (let i = 0; i < CAP; i++) await requestReset(email);
      const live = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'password_reset')));
      const answer = await requestReset(email);
      assert.equal(
        answer,
        await requestReset('nobody-here@example.com'),
        'the same answer as for no account',
      );

      assert.equal((await inbox.to(t.ctx, email, 'password_reset')).length, CAP);
      assert.equal((await resetTokensOf(userId)).length, CAP);
      assert.equal(await stateOf(live), 'active');
      assert.equal(await issuedCount(), issuedBefore + CAP);
      assert.deepEqual(
        (await requests(userId)).map((r) => JSON.parse(r.detail ?? 'null')),
        [{ sent: true }, { sent: true }, { sent: false }],
      );
    });

    test('simultaneous requests for one address: the cap holds and only one link is live', async () => {
      // Several rounds, each on a new address, so that some requests do overlap in the database.
      for (let round = 0; round < 4; round++) {
        const email = `rushed-${round}@example.com`;
        const userId = await signUp(email);
        await Promise.all(Array.from({ length: 24 }, () => requestReset(email)));
        assert.equal((await inbox.to(t.ctx, email, 'password_reset')).length, CAP);
        const live = await t.ctx.db
          .selectFrom('security_tokens')
          .select('id')
          .where('purpose', '=', 'password_reset')
          .where('user_id', '=', userId)
          .where('used_at', 'is', null)
          .where('revoked_at', 'is', null)
          .execute();
        assert.equal(live.length, 1);
        const sent = (await requests(userId)).filter((r) => JSON.parse(r.detail ?? 'null').sent);
        assert.equal(sent.length, CAP);
      }
    });

    test('an address without an account gets no token and no email, and the request is recorded', async () => {
      const before = (await requests(null)).length;
      const tokensBefore = (await resetTokensOf(null)).length;
      await requestReset('ghost@example.com');
      assert.equal((await inbox.to(t.ctx, 'ghost@example.com')).length, 0);
      assert.equal((await resetTokensOf(null)).length, tokensBefore);
      const recorded = (await requests(null)).slice(before);
      assert.deepEqual(
        recorded.map((r) => [JSON.parse(r.detail ?? 'null'), r.ip]),
        [[{ sent: false }, '127.0.0.1']],
      );
    });
  });
}
