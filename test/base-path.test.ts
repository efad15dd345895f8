import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { insertUser } from './helpers/accounts.ts';
import { PUBLIC_URL, startTestApp, type TestApp } from './helpers/app.ts';
import { type Inbox, startInbox, tokenLink } from './helpers/inbox.ts';

/**
 * oto served below a path of the site (BASE_PATH, createOto's basePath): every route answers
 * there, and every link a page, a redirect or an email holds points there, so nothing leads to
 * the site's root, where the app's own pages are.
 */

const PASSWORD = 'correct horse battery staple 42';

describe('oto under BASE_PATH=/auth', () => {
  let t: TestApp;
  let inbox: Inbox;
  before(async () => {
    inbox = await startInbox();
    t = await startTestApp('sqlite', { BASE_PATH: '/auth/', RATE_LIMIT_PER_MINUTE: '0', ...inbox.env });
  });
  after(async () => {
    await t?.close();
    await inbox?.close();
  });

  const ownPaths = (body: string) => [...body.matchAll(/\s(?:href|action|src)="([^"]*)"/g)].map((m) => m[1]!);

  test('the pages answer under /auth, and every path they link to, post to or load is under /auth', async () => {
    for (const url of ['/auth/', '/auth/signup', '/auth/login', '/auth/forgot-password']) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      const paths = ownPaths(res.body);
      assert.ok(paths.length >= 3, url);
      for (const path of paths) assert.match(path, /^\/auth\//, `${url} links to ${path}`);
      const stylesheet = paths.find((path) => path.endsWith('.css'))!;
      assert.equal((await t.app.inject({ method: 'GET', url: stylesheet })).statusCode, 200);
    }
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/signup' })).statusCode,
      404,
      'nothing at the root',
    );
  });

  test('the API is at /auth/v1, and the link in the email it sends carries /auth', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/v1/users',
      payload: { email: 'mounted@example.com', password: PASSWORD },
    });
    assert.equal(res.statusCode, 202, res.body);
    const link = tokenLink(await inbox.last(t.ctx, 'mounted@example.com', 'verify_email'));
    assert.equal(`${link.origin}${link.pathname}`, `${PUBLIC_URL}/auth/verify-email`);
    const page = await t.app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
    assert.equal(page.statusCode, 200);
    assert.equal((await t.app.inject({ method: 'POST', url: '/v1/users', payload: {} })).statusCode, 404);
  });

  test('a form post redirects under /auth, and the session cookie is for the whole site', async () => {
    await insertUser(t.ctx, 'redirect@example.com', { password: PASSWORD });
    t.clock.advance(1000);
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: new URLSearchParams({ email: 'redirect@example.com', password: PASSWORD }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL },
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/auth/account');
    assert.equal(res.cookies.find((c) => c.name === t.config.sessions.cookieName)?.path, '/');
    const anonymous = await t.app.inject({ method: 'GET', url: '/auth/account' });
    assert.equal(anonymous.headers.location, '/auth/login');
  });

  test('the API document and its browsable UI are under /auth/docs, listing the /auth/v1 paths', async () => {
    const doc = await t.app.inject({ method: 'GET', url: '/auth/docs/json' });
    assert.equal(doc.statusCode, 200);
    const paths = Object.keys(doc.json().paths);
    assert.ok(paths.includes('/auth/v1/users'), paths.join(', '));
    assert.ok(
      paths.every((path) => path.startsWith('/auth/')),
      paths.join(', '),
    );
    assert.equal((await t.app.inject({ method: 'GET', url: '/auth/docs/' })).statusCode, 200);
  });
});

describe('BASE_PATH', () => {
  test('a plain path is taken, without its trailing slash; "/" and "" mean the root', () => {
    assert.equal(loadConfig({ BASE_PATH: '/auth' }).basePath, '/auth');
    assert.equal(loadConfig({ BASE_PATH: '/api/auth/' }).basePath, '/api/auth');
    assert.equal(loadConfig({ BASE_PATH: '/' }).basePath, '');
    assert.equal(loadConfig({}).basePath, '');
  });

  test('anything a URL or HTML would read otherwise is refused at start-up', () => {
    for (const value of [
      'auth',
      '//auth',
      '/a//b',
      '/a b',
      '/a?b',
      '/a#b',
      '/../x',
      '/a/./b',
      '/a"b',
      '/a\\b',
      '/%2e%2e',
    ]) {
      assert.throws(() => loadConfig({ BASE_PATH: value }), /BASE_PATH/, value);
    }
  });
});
