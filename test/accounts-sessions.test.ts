import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createSession,
  lookupSession,
  revokeUserSessions,
  TOUCH_INTERVAL_MS,
} from '../src/accounts/sessions.ts';
import { insertUser } from './helpers/accounts.ts';
import { apiHeaders, PUBLIC_URL, startTestApp, type TestApp } from './helpers/app.ts';
import { DIALECTS } from './helpers/storage.ts';

const DAY = 86_400_000;

for (const { dialect, skip } of DIALECTS) {
  describe(`sessions on ${dialect}`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect, {
        RATE_LIMIT_PER_MINUTE: '0',
        SESSION_TTL: '30d',
        SESSION_IDLE_TTL: '7d',
      });
    });
    after(() => t?.close());

    const cookieName = () => t.config.sessions.cookieName;

    async function loggedIn(email: string) {
      const user = await insertUser(t.ctx, email, { password: 'correct horse battery staple' });
      const created = await createSession(t.ctx, t.ctx.db, user.id, { ip: '127.0.0.1' });
      return { user, token: created.token, session: created.session };
    }

    test('a session token is 256 random bits and only its SHA-256 is stored', async () => {
      const { token } = await loggedIn('stored@example.com');
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(Buffer.from(token, 'base64url').length, 32);
      const rows = await t.ctx.db.selectFrom('sessions').selectAll().execute();
      assert.ok(rows.length > 0);
      assert.ok(!JSON.stringify(rows).includes(token), 'the token itself is nowhere in the table');
    });

    test('idle expiry: a session unused for SESSION_IDLE_TTL ends; use pushes it back', async () => {
      const { token } = await loggedIn('idle@example.com');
      t.clock.advance(6 * DAY);
      assert.ok(await lookupSession(t.ctx, token), 'used after six days: still live');
      t.clock.advance(6 * DAY);
      assert.ok(await lookupSession(t.ctx, token), 'six days after the last use: still live');
      t.clock.advance(7 * DAY);
      assert.equal(await lookupSession(t.ctx, token), null, 'seven idle days: over');
    });

    test('absolute expiry holds however active the session is', async () => {
      const { token } = await loggedIn('absolute@example.com');
      for (let day = 0; day < 29; day++) {
        t.clock.advance(DAY);
        assert.ok(await lookupSession(t.ctx, token), `day ${day + 1}`);
      }
      t.clock.advance(DAY);
      assert.equal(await lookupSession(t.ctx, token), null);
    });

    test('last_seen_at is written at most once a minute', async () => {
      const { token, session } = await loggedIn('touch@example.com');
      const seen = async () =>
        (
          await t.ctx.db
            .selectFrom('sessions')
            .select('last_seen_at')
            .where('id', '=', session.id)
            .executeTakeFirstOrThrow()
        ).last_seen_at;
      const start = await seen();
      t.clock.advance(TOUCH_INTERVAL_MS - 1);
      await lookupSession(t.ctx, token);
      assert.equal(await seen(), start);
      t.clock.advance(1);
      await lookupSession(t.ctx, token);
      assert.equal(await seen(), start + TOUCH_INTERVAL_MS);
    });

    test('GET /v1/me answers 401 without a session, the user with the cookie or a bearer token', async () => {
      const { user, token } = await loggedIn('me@example.com');
      const anonymous = await t.app.inject({ method: 'GET', url: '/v1/me' });
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.json().code, 'unauthenticated');
      assert.match(anonymous.headers['content-type'] ?? '', /application\/problem\+json/);

      const byCookie = await t.app.inject({
        method: 'GET',
        url: '/v1/me',
        cookies: { [cookieName()]: token },
      });
      assert.equal(byCookie.statusCode, 200);
      assert.deepEqual(byCookie.json(), {
        id: user.id,
        email: 'me@example.com',
        emailVerified: true,
        subscribed: true,
        hasPassword: true,
        createdAt: new Date(user.created_at).toISOString(),
        locale: null,
      });
      const byBearer = await t.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(byBearer.statusCode, 200);
      assert.equal(byBearer.json().id, user.id);

      const wrong = await t.app.inject({
        method: 'GET',
        url: '/v1/me',
        cookies: { [cookieName()]: `${token[0] === 'A' ? 'B' : 'A'}${token.slice(1)}` },
      });
      assert.equal(wrong.statusCode, 401);
    });

    test('cookie-authenticated logout from another origin is refused with 403 cross_origin', async () => {
      const { token } = await loggedIn('csrf@example.com');
      const cookies = { [cookieName()]: token };
      for (const headers of [
        { origin: 'https://evil.test' },
        { origin: 'null' },
        { origin: 'http://oto.test' },
        { 'sec-fetch-site': 'cross-site' },
        { origin: PUBLIC_URL, 'sec-fetch-site': 'cross-site' },
      ]) {
        const res = await t.app.inject({ method: 'DELETE', url: '/v1/sessions/current', cookies, headers });
        assert.equal(res.statusCode, 403, JSON.stringify(headers));
        assert.equal(res.json().code, 'cross_origin');
      }
      const formLogout = await t.app.inject({
        method: 'POST',
        url: '/logout',
        cookies,
        headers: { origin: 'https://evil.test', 'content-type': 'application/x-www-form-urlencoded' },
        payload: '',
      });
      assert.equal(formLogout.statusCode, 403);
      assert.ok(await lookupSession(t.ctx, token), 'the session survived every refused request');
    });

    test('logout from the same origin, or from a client sending neither header, ends the session', async () => {
      const first = await loggedIn('logout1@example.com');
      const sameOrigin = await t.app.inject({
        method: 'DELETE',
        url: '/v1/sessions/current',
        cookies: { [cookieName()]: first.token },
        headers: { origin: PUBLIC_URL, 'sec-fetch-site': 'same-origin' },
      });
      assert.equal(sameOrigin.statusCode, 204);
      const cleared = sameOrigin.cookies.find((c) => c.name === cookieName());
      assert.ok(cleared && cleared.value === '', 'the cookie is cleared');
      const after1 = await t.app.inject({
        method: 'GET',
        url: '/v1/me',
        cookies: { [cookieName()]: first.token },
      });
      assert.equal(after1.statusCode, 401);

      const second = await loggedIn('logout2@example.com');
      const noHeaders = await t.app.inject({
        method: 'DELETE',
        url: '/v1/sessions/current',
        cookies: { [cookieName()]: second.token },
      });
      assert.equal(noHeaders.statusCode, 204);
      assert.equal(await lookupSession(t.ctx, second.token), null);

      const third = await loggedIn('logout3@example.com');
      const bearerFromElsewhere = await t.app.inject({
        method: 'DELETE',
        url: '/v1/sessions/current',
        headers: { authorization: `Bearer ${third.token}`, origin: 'https://app.example' },
      });
      assert.equal(bearerFromElsewhere.statusCode, 204, 'a bearer token is no ambient credential');

      const again = await t.app.inject({ method: 'DELETE', url: '/v1/sessions/current' });
      assert.equal(again.statusCode, 401);
    });

    test('the logout page form ends the session and redirects with 303', async () => {
      const { token } = await loggedIn('logoutpage@example.com');
      const res = await t.app.inject({
        method: 'POST',
        url: '/logout',
        cookies: { [cookieName()]: token },
        headers: { origin: PUBLIC_URL, 'content-type': 'application/x-www-form-urlencoded' },
        payload: '',
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/login?logged_out=1');
      assert.equal(await lookupSession(t.ctx, token), null);
    });

    test('introspection needs the API key and tells a live session from a dead one', async () => {
      const { user, token, session } = await loggedIn('introspect@example.com');
      const noKey = await t.app.inject({
        method: 'POST',
        url: '/v1/sessions/introspect',
        payload: { token },
      });
      assert.equal(noKey.statusCode, 401);
      const withSessionAsKey = await t.app.inject({
        method: 'POST',
        url: '/v1/sessions/introspect',
        headers: { authorization: `Bearer ${token}` },
        payload: { token },
      });
      assert.equal(withSessionAsKey.statusCode, 401, 'a session token is not an API key');

      const live = await t.app.inject({
        method: 'POST',
        url: '/v1/sessions/introspect',
        headers: apiHeaders,
        payload: { token },
      });
      assert.equal(live.statusCode, 200);
      assert.deepEqual(live.json(), {
        active: true,
        userId: user.id,
        email: 'introspect@example.com',
        emailVerified: true,
        expiresAt: new Date(session.expiresAt).toISOString(),
      });
      assert.equal(live.headers['cache-control'], 'no-store');

      await revokeUserSessions(t.ctx, t.ctx.db, user.id, { reason: 'test' });
      const inactive = { active: false, userId: null, email: null, emailVerified: null, expiresAt: null };
      for (const probe of [token, 'not-a-token', 'A'.repeat(43)]) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/sessions/introspect',
          headers: apiHeaders,
          payload: { token: probe },
        });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), inactive);
      }
      const bad = await t.app.inject({
        method: 'POST',
        url: '/v1/sessions/introspect',
        headers: apiHeaders,
        payload: { token: 42 },
      });
      assert.equal(bad.statusCode, 422);
    });

    test('session tokens never reach the logs', async () => {
      const { token } = await loggedIn('logs@example.com');
      await t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
      await t.app.inject({ method: 'GET', url: '/account', cookies: { [cookieName()]: token } });
      assert.ok(!t.logs.text().includes(token));
    });
  });
}
