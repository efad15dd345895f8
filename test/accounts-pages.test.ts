import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSession } from '../src/accounts/sessions.ts';
import { CONTENT_SECURITY_POLICY, STYLESHEET_PATH } from '../src/http/pages/layout.ts';
import { insertUser } from './helpers/accounts.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';

/** Page frame checks; the pages of each flow are tested with the flow. SQLite is enough: no storage logic here. */
describe('page layout', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite', { RATE_LIMIT_PER_MINUTE: '0', APP_NAME: 'Acme <Shop>' });
  });
  after(() => t?.close());

  test('every page has a strict CSP, no-referrer and no-store, and loads nothing from elsewhere', async () => {
    const user = await insertUser(t.ctx, 'page@example.com', { password: 'correct horse battery staple' });
    const { token } = await createSession(t.ctx, t.ctx.db, user.id);
    for (const [url, cookies] of [
      ['/', {}],
      ['/account', { [t.config.sessions.cookieName]: token }],
    ] as const) {
      const res = await t.app.inject({ method: 'GET', url, cookies });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
      assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
      assert.doesNotMatch(CONTENT_SECURITY_POLICY, /script-src|unsafe/);
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.doesNotMatch(res.body, /<script/i);
      assert.doesNotMatch(
        res.body,
        /(src|href)="(https?:)?\/\//i,
        'no absolute or protocol-relative resource',
      );
      assert.ok(res.body.includes(`<link rel="stylesheet" href="${STYLESHEET_PATH}">`));
    }
  });

  test('values are escaped in pages', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/' });
    assert.ok(res.body.includes('Acme &lt;Shop&gt;'));
    assert.ok(!res.body.includes('Acme <Shop>'));
  });

  test('the stylesheet is served by oto, cacheable for good', async () => {
    const res = await t.app.inject({ method: 'GET', url: STYLESHEET_PATH });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/css; charset=utf-8');
    assert.match(String(res.headers['cache-control']), /immutable/);
    assert.ok(res.body.length < 8192, 'one small stylesheet');
    assert.doesNotMatch(res.body, /url\(|@import/, 'it pulls in nothing else');
  });

  test('the account page sends a visitor without a session to the login page', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/account' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/login');
  });
});
