import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSession } from '../src/accounts/sessions.ts';
import type { User } from '../src/db/schema.ts';
import { insertUser } from './helpers/accounts.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { KEY_A } from './helpers/flows.ts';
import { type Inbox, linksIn, pathOf, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';

const PASSWORD = 'correct horse battery staple';

for (const { dialect, skip } of DIALECTS) {
  describe(`change of email on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let inbox: Inbox;
    before(async () => {
      inbox = await startInbox();
      t = await startTestApp(dialect, { OTO_SIGNING_KEYS: KEY_A, RATE_LIMIT_PER_MINUTE: '0', ...inbox.env });
    });
    after(async () => {
      await t?.close();
      await inbox?.close();
    });

    async function session(user: User) {
      const { token, session } = await createSession(t.ctx, t.ctx.db, user.id);
      return {
        bearer: { authorization: `Bearer ${token}` },
        cookie: { cookie: `${t.config.sessions.cookieName}=${token}` },
        id: session.id,
      };
    }
    const requestChange = (auth: Record<string, string>, newEmail: string, password = PASSWORD) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/me/email',
        headers: auth,
        payload: { newEmail, currentPassword: password },
      });
    const confirm = (auth: Record<string, string>, token: string) =>
      t.app.inject({ method: 'POST', url: '/v1/me/email/confirm', headers: auth, payload: { token } });
    const me = (auth: Record<string, string>) =>
      t.app.inject({ method: 'GET', url: '/v1/me', headers: auth });
    const login = (email: string) =>
      t.app.inject({ method: 'POST', url: '/v1/sessions', payload: { email, password: PASSWORD } });
    const emailOf = async (id: string) =>
      (await t.ctx.db.selectFrom('users').select('email').where('id', '=', id).executeTakeFirstOrThrow())
        .email;

    test('the happy path: link to the new address, notice to the old one, confirm switches and ends the other sessions', async () => {
      const user = await insertUser(t.ctx, 'old@example.com', { password: PASSWORD });
      const acting = await session(user);
      const other = await session(user);

      const requested = await requestChange(acting.bearer, 'New@Example.com');
      assert.equal(requested.statusCode, 202);
      assert.equal(
        (await me(acting.bearer)).json().email,
        'old@example.com',
        'nothing changes before confirmation',
      );

      const linkMail = await inbox.last(t.ctx, 'new@example.com', 'email_change');
      const link = tokenLink(linkMail);
      assert.equal(link.origin + link.pathname, 'https://oto.test/confirm-email');
      const notice = await inbox.last(t.ctx, 'old@example.com', 'email_change_notice');
      assert.match(notice.text, /New@Example\.com/);
      assert.ok(
        linksIn(notice).every((l) => !l.includes('token=') && !l.includes('confirm-email')),
        'the notice carries no link that could complete the change',
      );

      // The landing page, fetched again and again, changes nothing.
      for (let i = 0; i < 3; i++) {
        const page = await t.app.inject({ method: 'GET', url: pathOf(link), headers: acting.cookie });
        assert.equal(page.statusCode, 200);
        assert.match(
          page.body,
          /from <strong>old@example\.com<\/strong> to\s+<strong>New@Example\.com<\/strong>/,
        );
        assert.equal(
          (await t.app.inject({ method: 'HEAD', url: pathOf(link), headers: acting.cookie })).statusCode,
          200,
        );
      }
      assert.equal((await me(other.bearer)).statusCode, 200);

      const confirmed = await confirm(acting.bearer, tokenOf(link));
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      assert.deepEqual(confirmed.json(), { status: 'email_changed' });
      const now = (await me(acting.bearer)).json();
      assert.equal(now.email, 'New@Example.com');
      assert.equal(now.emailVerified, true);
      assert.equal((await me(other.bearer)).statusCode, 401, 'the other session is over');
      assert.equal((await login('old@example.com')).statusCode, 401);
      assert.equal((await login('new@example.com')).statusCode, 200);
      const again = await confirm(acting.bearer, tokenOf(link));
      assert.equal(again.statusCode, 410);
      assert.equal(t.logs.text().includes(tokenOf(link)), false);
    });

    test('links mailed to the old address before the change are void after it (checklist A.3)', async () => {
      const user = await insertUser(t.ctx, 'before-change@example.com', { password: PASSWORD });
      const acting = await session(user);
      await t.app.inject({ method: 'POST', url: '/v1/password-resets', payload: { email: user.email } });
      const oldReset = tokenOf(tokenLink(await inbox.last(t.ctx, user.email, 'password_reset')));

      await requestChange(acting.bearer, 'after-change@example.com');
      const link = tokenLink(await inbox.last(t.ctx, 'after-change@example.com', 'email_change'));
      assert.equal((await confirm(acting.bearer, tokenOf(link))).statusCode, 200);

      const reset = await t.app.inject({
        method: 'POST',
        url: '/v1/password-resets/confirm',
        payload: { token: oldReset, password: 'a brand new password for this test' },
      });
      assert.equal(reset.statusCode, 410);
      assert.equal(reset.json().code, 'token_revoked');
      assert.equal((await login('after-change@example.com')).statusCode, 200, 'the password is unchanged');
    });

    test('a taken address leaks nothing: same status and body, the notice still goes, no link is sent', async () => {
      await insertUser(t.ctx, 'taken@example.com');
      const user = await insertUser(t.ctx, 'asker@example.com', { password: PASSWORD });
      const auth = (await session(user)).bearer;
      const free = await requestChange(auth, 'free@example.com');
      const taken = await requestChange(auth, 'taken@example.com');
      assert.equal(taken.statusCode, free.statusCode);
      assert.equal(taken.body, free.body);
      assert.equal(taken.headers['content-type'], free.headers['content-type']);
      assert.equal(taken.headers['content-length'], free.headers['content-length']);
      assert.equal((await inbox.to(t.ctx, 'taken@example.com')).length, 0);
      assert.equal((await inbox.to(t.ctx, 'asker@example.com', 'email_change_notice')).length, 2);
      // The taken request superseded the pending free one: only a link that was sent could work, and it is void.
      const freeLink = tokenLink(await inbox.last(t.ctx, 'free@example.com', 'email_change'));
      assert.equal((await confirm(auth, tokenOf(freeLink))).statusCode, 410);
      assert.equal(await emailOf(user.id), 'asker@example.com');
    });

    test('two pending changes in sequence: the newer one supersedes, and each link only ever means its own address', async () => {
      const user = await insertUser(t.ctx, 'seq@example.com', { password: PASSWORD });
      const auth = (await session(user)).bearer;
      await requestChange(auth, 'first@example.com');
      await requestChange(auth, 'second@example.com');
      const first = tokenOf(tokenLink(await inbox.last(t.ctx, 'first@example.com', 'email_change')));
      const second = tokenOf(tokenLink(await inbox.last(t.ctx, 'second@example.com', 'email_change')));
      const stale = await confirm(auth, first);
      assert.equal(stale.statusCode, 410);
      assert.equal(stale.json().code, 'token_revoked');
      assert.equal((await confirm(auth, second)).statusCode, 200);
      assert.equal(await emailOf(user.id), 'second@example.com');
    });

    test('the race of two concurrent changes: one wins, with its own address, and the other link is void', async () => {
      const user = await insertUser(t.ctx, 'race@example.com', { password: PASSWORD });
      const auth = (await session(user)).bearer;
      const responses = await Promise.all([
        requestChange(auth, 'race-a@example.com'),
        requestChange(auth, 'race-b@example.com'),
      ]);
      assert.deepEqual(
        responses.map((r) => r.statusCode),
        [202, 202],
      );
      const links = new Map<string, string>();
      for (const address of ['race-a@example.com', 'race-b@example.com']) {
        links.set(address, tokenOf(tokenLink(await inbox.last(t.ctx, address, 'email_change'))));
      }
      const outcomes = await Promise.all(
        [...links].map(async ([address, token]) => ({
          address,
          status: (await confirm(auth, token)).statusCode,
        })),
      );
      const winners = outcomes.filter((o) => o.status === 200);
      assert.equal(winners.length, 1, JSON.stringify(outcomes));
      assert.equal(
        await emailOf(user.id),
        winners[0]!.address,
        'a link switches to the address it was sent to, never the other',
      );
      assert.deepEqual(outcomes.map((o) => o.status).sort(), [200, 410], JSON.stringify(outcomes));
      // Whatever is left pending stays void: the current address has moved.
      for (const token of links.values()) assert.equal((await confirm(auth, token)).statusCode, 410);
      assert.equal(await emailOf(user.id), winners[0]!.address);
    });

    test('confirmation needs the session of the account that asked; another account gets 403 and the link stays usable', async () => {
      const user = await insertUser(t.ctx, 'owner@example.com', { password: PASSWORD });
      const stranger = await insertUser(t.ctx, 'stranger@example.com', { password: PASSWORD });
      const auth = await session(user);
      await requestChange(auth.bearer, 'owner-new@example.com');
      const link = tokenLink(await inbox.last(t.ctx, 'owner-new@example.com', 'email_change'));
      const token = tokenOf(link);

      assert.equal(
        (await t.app.inject({ method: 'POST', url: '/v1/me/email/confirm', payload: { token } })).statusCode,
        401,
      );
      const strangerAuth = await session(stranger);
      const refused = await confirm(strangerAuth.bearer, token);
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().code, 'wrong_account');
      const page = await t.app.inject({ method: 'GET', url: pathOf(link), headers: strangerAuth.cookie });
      assert.match(page.body, /This link is for another account/);
      const anonymousPage = await t.app.inject({ method: 'GET', url: pathOf(link) });
      assert.match(anonymousPage.body, /log in<\/a> to the account that asked/);
      assert.doesNotMatch(anonymousPage.body, /owner/);

      // The page's button, from the right session, completes it.
      const done = await t.app.inject({
        method: 'POST',
        url: '/confirm-email',
        headers: {
          ...auth.cookie,
          origin: t.config.publicUrl,
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: `token=${encodeURIComponent(token)}`,
      });
      assert.equal(done.statusCode, 303);
      assert.equal(done.headers['location'], '/account?email_changed=1');
      assert.equal(await emailOf(user.id), 'owner-new@example.com');
    });

    test('an address taken after the request gets 409 and changes nothing', async () => {
      const user = await insertUser(t.ctx, 'slow@example.com', { password: PASSWORD });
      const auth = (await session(user)).bearer;
      await requestChange(auth, 'contested@example.com');
      const token = tokenOf(tokenLink(await inbox.last(t.ctx, 'contested@example.com', 'email_change')));
      await insertUser(t.ctx, 'contested@example.com');
      const response = await confirm(auth, token);
      assert.equal(response.statusCode, 409);
      assert.equal(response.json().code, 'email_taken');
      assert.equal(await emailOf(user.id), 'slow@example.com');
    });

    test('wrong password, bad input, no session and an expired link are refused and change nothing', async () => {
      const user = await insertUser(t.ctx, 'careful@example.com', { password: PASSWORD });
      const auth = (await session(user)).bearer;
      const wrong = await requestChange(auth, 'elsewhere@example.com', 'not the password at all');
      assert.equal(wrong.statusCode, 401, 'as every sensitive action answers a wrong current password');
      assert.equal(wrong.json().code, 'invalid_credentials');
      const older = await t.app.inject({
        method: 'POST',
        url: '/v1/me/email',
        headers: auth,
        payload: { newEmail: 'elsewhere@example.com', password: 'not the password either' },
      });
      assert.equal(older.statusCode, 401, 'the older field name, password, is still read');
      const neither = await t.app.inject({
        method: 'POST',
        url: '/v1/me/email',
        headers: auth,
        payload: { newEmail: 'elsewhere@example.com' },
      });
      assert.equal(neither.statusCode, 422);
      assert.equal((await requestChange(auth, 'careful@example.com')).statusCode, 422);
      assert.equal((await requestChange(auth, 'CAREFUL@example.com')).statusCode, 422);
      assert.equal((await requestChange(auth, 'not an address')).statusCode, 422);
      assert.equal((await requestChange({}, 'elsewhere@example.com')).statusCode, 401);
      assert.equal((await inbox.to(t.ctx, 'elsewhere@example.com')).length, 0);
      assert.equal((await inbox.to(t.ctx, 'careful@example.com')).length, 0);

      await requestChange(auth, 'later@example.com');
      const token = tokenOf(tokenLink(await inbox.last(t.ctx, 'later@example.com', 'email_change')));
      t.clock.advance(t.config.tokenTtl.email_change * 1000);
      const fresh = (await session(user)).bearer;
      const expired = await confirm(fresh, token);
      assert.equal(expired.statusCode, 410);
      assert.equal(expired.json().code, 'token_expired');
      assert.equal(await emailOf(user.id), 'careful@example.com');
      for (const bad of ['', 'x', 'A'.repeat(43)]) assert.equal((await confirm(fresh, bad)).statusCode, 400);
    });

    test('re-authentication counts toward the login throttle of the address; the right password clears it', async () => {
      const user = await insertUser(t.ctx, 'reauth@example.com', { password: PASSWORD });
      const auth = (await session(user)).bearer;
      const max = t.config.limits.loginMaxFailures;
      const wrong = (i: number) =>
        requestChange(auth, 'reauth-new@example.com', `wrong password number ${i}`);
      for (let i = 0; i < max - 1; i++) assert.equal((await wrong(i)).statusCode, 401);
      assert.equal((await requestChange(auth, 'reauth-new@example.com')).statusCode, 202);
      for (let i = 0; i < max; i++) assert.equal((await wrong(i)).statusCode, 401, 'counted from zero again');
      const refused = await requestChange(auth, 'reauth-new@example.com');
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.json().code, 'login_cooldown');
      assert.equal((await login('reauth@example.com')).statusCode, 429, 'logging in shares the cool-down');
    });

    test('links to one new address are capped per hour; the answer does not change', async () => {
      const user = await insertUser(t.ctx, 'spammer@example.com', { password: PASSWORD });
      const auth = (await session(user)).bearer;
      for (let i = 0; i < 5; i++) {
        assert.equal(
          (await requestChange(auth, i % 2 ? 'Victim@Example.com' : 'victim@example.com')).statusCode,
          202,
        );
      }
      assert.equal(
        (await inbox.to(t.ctx, 'victim@example.com', 'email_change')).length,
        t.config.mail.capVerifyPerHour,
      );
    });
  });
}
