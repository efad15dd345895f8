import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertUser } from './helpers/accounts.ts';
import { PUBLIC_URL, startTestApp, type TestApp } from './helpers/app.ts';
import { type Inbox, linksIn, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * Change of password while logged in (POST /v1/me/password and the form on /account): the other
 * sessions end at once and this one stays, the old password stops working, the notice arrives over
 * SMTP, a reset link from before is void; and refused input changes nothing at all.
 */

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'seven purple walruses sing';

for (const { dialect, skip } of DIALECTS) {
  describe(`change of password on ${dialect}`, { skip }, () => {
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

    const post = (url: string, payload: unknown, session?: string) => {
      t.clock.advance(1000);
      const headers: Record<string, string> = session ? { authorization: `Bearer ${session}` } : {};
      return t.app.inject({ method: 'POST', url, payload: payload as object, headers });
    };
    const logIn = async (email: string, password: string) => post('/v1/sessions', { email, password });
    const sessionOf = async (email: string, password = PASSWORD) => {
      const res = await logIn(email, password);
      assert.equal(res.statusCode, 200, res.body);
      return res.json().sessionToken as string;
    };
    const me = async (session: string) =>
      (await t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${session}` } }))
        .statusCode;
    const stored = async (email: string) =>
      t.ctx.db
        .selectFrom('users')
        .select(['password_hash', 'password_version', 'updated_at'])
        .where('email', '=', email)
        .executeTakeFirstOrThrow();
    const outboxCount = async (email: string) =>
      (await t.ctx.db.selectFrom('email_outbox').select('id').where('recipient', '=', email).execute())
        .length;

    test('other sessions end at once, this one stays, the new password works, the notice arrives, an old reset link fails', async () => {
      const email = 'changer@example.com';
      await insertUser(t.ctx, email, { password: PASSWORD });
      const here = await sessionOf(email);
      const elsewhere = await sessionOf(email);
      assert.equal((await post('/v1/password-resets', { email })).statusCode, 202);
      const resetToken = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'password_reset')));

      const changed = await post(
        '/v1/me/password',
        { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
        here,
      );
      assert.equal(changed.statusCode, 200, changed.body);
      assert.deepEqual(changed.json(), { status: 'password_changed', revokedSessions: 1 });

      assert.equal(await me(elsewhere), 401, 'the other session is over at once');
      assert.equal(await me(here), 200, 'the session that changed it stays');
      assert.equal((await logIn(email, PASSWORD)).statusCode, 401, 'the old password fails');
      assert.equal((await logIn(email, NEW_PASSWORD)).statusCode, 200, 'the new one works');

      const notice = await inbox.last(t.ctx, email, 'password_changed');
      assert.match(notice.subject, /password was changed/);
      assert.match(notice.text, /every other session was logged out/);
      assert.deepEqual(
        linksIn(notice),
        [`${PUBLIC_URL}/forgot-password`],
        'a reset link for "it was not me"',
      );
      assert.ok(!notice.text.includes(NEW_PASSWORD));

      const reset = await post('/v1/password-resets/confirm', {
        token: resetToken,
        password: 'another password entirely ok',
      });
      assert.equal(reset.statusCode, 410, 'the reset link from before the change is void');
      assert.equal(reset.json().code, 'token_revoked');
      assert.equal((await logIn(email, NEW_PASSWORD)).statusCode, 200);

      const audit = await t.ctx.db
        .selectFrom('audit_events')
        .innerJoin('users', 'users.id', 'audit_events.user_id')
        .select(['event', 'detail'])
        .where('users.email', '=', email)
        .where('event', 'in', ['password.changed', 'sessions.revoked'])
        .execute();
      assert.deepEqual(audit.map((a) => a.event).sort(), ['password.changed', 'sessions.revoked']);
      assert.deepEqual(JSON.parse(audit.find((a) => a.event === 'sessions.revoked')?.detail ?? ''), {
        reason: 'password_change',
        count: 1,
      });
    });

    test('a missing or wrong current password, or a weak new one, gets a 4xx and changes nothing', async () => {
      const email = 'careful@example.com';
      await insertUser(t.ctx, email, { password: PASSWORD });
      const here = await sessionOf(email);
      const elsewhere = await sessionOf(email);
      const before = await stored(email);
      const mails = await outboxCount(email);

      const missing = await post('/v1/me/password', { newPassword: NEW_PASSWORD }, here);
      assert.equal(missing.statusCode, 422);
      assert.equal(missing.json().code, 'invalid_input');
      const empty = await post('/v1/me/password', { currentPassword: '', newPassword: NEW_PASSWORD }, here);
      assert.equal(empty.statusCode, 422);
      assert.deepEqual(empty.json().errors, [{ field: 'currentPassword', message: 'is required' }]);

      const wrong = await post(
        '/v1/me/password',
        { currentPassword: 'not my password at all', newPassword: NEW_PASSWORD },
        here,
      );
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().code, 'invalid_credentials');

      const weak = await post('/v1/me/password', { currentPassword: PASSWORD, newPassword: 'short' }, here);
      assert.equal(weak.statusCode, 422);
      const weakFields = weak.json().errors.map((e: { field: string }) => e.field);
      assert.ok(weakFields.length > 0 && weakFields.every((f: string) => f === 'newPassword'), weak.body);
      const common = await post(
        '/v1/me/password',
        { currentPassword: PASSWORD, newPassword: 'passwordpassword' },
        here,
      );
      assert.equal(common.statusCode, 422);
      assert.match(JSON.stringify(common.json().errors), /common/);

      const unauthenticated = await post('/v1/me/password', {
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      assert.equal(unauthenticated.statusCode, 401);
      assert.equal(unauthenticated.json().code, 'unauthenticated');

      assert.deepEqual(await stored(email), before, 'the password and its version are as they were');
      assert.equal(await me(elsewhere), 200, 'no session ended');
      assert.equal(await outboxCount(email), mails, 'no email was queued');
      assert.equal((await logIn(email, PASSWORD)).statusCode, 200, 'the old password still works');
      assert.equal((await logIn(email, NEW_PASSWORD)).statusCode, 401);
    });

    test('a wrong current password counts toward the login cool-down', async () => {
      const email = 'guessed@example.com';
      await insertUser(t.ctx, email, { password: PASSWORD });
      const here = await sessionOf(email);
      const max = t.config.limits.loginMaxFailures;
      for (let i = 0; i < max; i++) {
        const guess = await post(
          '/v1/me/password',
          { currentPassword: `guess number ${i}`, newPassword: NEW_PASSWORD },
          here,
        );
        assert.equal(guess.statusCode, 401);
      }
      const refused = await post(
        '/v1/me/password',
        { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
        here,
      );
      assert.equal(refused.statusCode, 429, 'even the right password is not checked during the cool-down');
      assert.equal(refused.json().code, 'login_cooldown');
      assert.equal((await logIn(email, PASSWORD)).statusCode, 429, 'logging in shares the same budget');
    });

    test('the form on /account: wrong password shown on the form, cross-site refused, success back to /account', async () => {
      const email = 'pages@example.com';
      await insertUser(t.ctx, email, { password: PASSWORD });
      const cookie = `${t.config.sessions.cookieName}=${await sessionOf(email)}`;
      const form = (fields: Record<string, string>, origin = PUBLIC_URL) => {
        t.clock.advance(1000);
        return t.app.inject({
          method: 'POST',
          url: '/account/password',
          payload: new URLSearchParams(fields).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie },
        });
      };

      const account = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie } });
      assert.equal(account.statusCode, 200);
      assert.match(account.body, /<form method="post" action="\/account\/password"/);
      assert.match(account.body, /name="currentPassword" type="password"/);

      const wrong = await form({ currentPassword: 'not my password at all', newPassword: NEW_PASSWORD });
      assert.equal(wrong.statusCode, 401);
      assert.match(wrong.body, /Current password is not correct\./);
      assert.ok(
        !wrong.body.includes(NEW_PASSWORD) && !wrong.body.includes('not my password'),
        'never echoed',
      );

      const weak = await form({ currentPassword: PASSWORD, newPassword: 'short' });
      assert.equal(weak.statusCode, 422);
      assert.match(weak.body, /New password must be at least 15 characters long/);

      const crossSite = await form(
        { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
        'https://evil.test',
      );
      assert.equal(crossSite.statusCode, 403);
      assert.equal((await logIn(email, PASSWORD)).statusCode, 200, 'nothing changed so far');

      const done = await form({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
      assert.equal(done.statusCode, 303);
      assert.equal(done.headers.location, '/account?password_changed=1');
      const after = await t.app.inject({ method: 'GET', url: done.headers.location, headers: { cookie } });
      assert.equal(after.statusCode, 200, 'this browser stays logged in');
      assert.match(after.body, /Your password was changed/);
      assert.equal((await logIn(email, NEW_PASSWORD)).statusCode, 200);
    });
  });
}
