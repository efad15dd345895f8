import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestApp } from './helpers/app.ts';
import { startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';

const PASSWORD = 'correct horse battery staple';

/** Configuration that changes what users see; SQLite is enough, no storage logic differs. */
describe('account settings', () => {
  test('LINK_* templates send emailed links to the app’s own front end', async () => {
    const inbox = await startInbox();
    const t = await startTestApp('sqlite', {
      ...inbox.env,
      RATE_LIMIT_PER_MINUTE: '0',
      LINK_RESET_PASSWORD: 'https://app.example/reset?token={token}',
      LINK_VERIFY_EMAIL: 'https://app.example/welcome/{token}',
    });
    try {
      const email = 'frontend@example.com';
      await t.app.inject({ method: 'POST', url: '/v1/users', payload: { email, password: PASSWORD } });
      const verify = (await inbox.last(t.ctx, email, 'verify_email')).text;
      const verifyToken = /https:\/\/app\.example\/welcome\/([A-Za-z0-9_-]{43})/.exec(verify)?.[1];
      assert.ok(verifyToken, verify);
      assert.equal(
        (await t.app.inject({ method: 'POST', url: '/v1/users/verify', payload: { token: verifyToken } }))
          .statusCode,
        200,
      );
      t.clock.advance(1000);
      await t.app.inject({ method: 'POST', url: '/v1/password-resets', payload: { email } });
      const link = tokenLink(await inbox.last(t.ctx, email, 'password_reset'));
      assert.equal(link.origin + link.pathname, 'https://app.example/reset');
      const confirm = await t.app.inject({
        method: 'POST',
        url: '/v1/password-resets/confirm',
        payload: { token: tokenOf(link), password: 'a brand new passphrase' },
      });
      assert.equal(confirm.statusCode, 200);
    } finally {
      await t.close();
      await inbox.close();
    }
  });

  test('on plain http the cookie is oto_session, without Secure; still HttpOnly and SameSite=Lax', async () => {
    const inbox = await startInbox();
    const t = await startTestApp('sqlite', {
      ...inbox.env,
      RATE_LIMIT_PER_MINUTE: '0',
      PUBLIC_URL: 'http://localhost:3000',
    });
    try {
      const email = 'plain@example.com';
      await t.app.inject({ method: 'POST', url: '/v1/users', payload: { email, password: PASSWORD } });
      const token = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'verify_email')));
      await t.app.inject({ method: 'POST', url: '/v1/users/verify', payload: { token } });
      const login = await t.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        payload: { email, password: PASSWORD },
      });
      assert.equal(login.statusCode, 200);
      const cookie = login.cookies.find((c) => c.name === 'oto_session');
      assert.ok(cookie);
      assert.equal(cookie.secure, undefined);
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Lax');
      assert.equal(cookie.path, '/');
    } finally {
      await t.close();
      await inbox.close();
    }
  });

  test('PASSWORD_MIN_LENGTH and APP_NAME shape the policy, at sign-up and in the form hint', async () => {
    const t = await startTestApp('sqlite', {
      RATE_LIMIT_PER_MINUTE: '0',
      PASSWORD_MIN_LENGTH: '20',
      APP_NAME: 'Zebracorp',
    });
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/users',
        payload: { email: 'policy@example.com', password: 'zebracorp is lovely' },
      });
      assert.equal(res.statusCode, 422);
      assert.deepEqual(
        res.json().errors.map((e: { message: string }) => e.message),
        [
          'must be at least 20 characters long (it has 19)',
          'must not contain the name of this service (Zebracorp)',
        ],
      );
      const page = await t.app.inject({ method: 'GET', url: '/signup' });
      assert.match(page.body, /At least 20 characters/);
    } finally {
      await t.close();
    }
  });
});
