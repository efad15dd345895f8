import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createClient, type OtoClient, OtoProblemError, operations } from '../src/client/client.ts';
import { registeredRoutes } from '../src/http/openapi.ts';
import { startTestApp, TEST_API_KEY, type TestApp } from './helpers/app.ts';
import { type Inbox, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { NODE_TS } from './helpers/node.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * The typed client (oto-tokens/client), through real HTTP against a running oto: every /v1 route
 * has its method, the methods do what the routes do, and errors arrive as typed problems.
 * Its compile-time checks are in test/client-types.ts (npm run check).
 */

const PASSWORD = 'correct horse battery staple 42';

async function expectProblem(call: Promise<unknown>, status: number, code: string): Promise<OtoProblemError> {
  const error = await call.then(
    () => assert.fail(`expected ${status} ${code}, got a success`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof OtoProblemError, `expected an OtoProblemError, got ${String(error)}`);
  assert.equal(error.status, status, `${error.code}: ${error.detail ?? error.title}`);
  assert.equal(error.code, code);
  assert.equal(error.problem.status, status);
  assert.match(error.problem.type, /^https:\/\/oto\.dev\/problems\//);
  return error;
}

describe('the client has a method for every /v1 route, and nothing else', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite');
  });
  after(() => t?.close());

  test('routes and methods are the same set', () => {
    const routes = registeredRoutes(t.app)
      // HEAD is Fastify's automatic twin of a GET; a hidden /v1 route is an HTML landing page of an
      // emailed link (openapi.ts), for browsers, not for a client.
      .filter((r) => r.url.startsWith('/v1/') && r.method !== 'HEAD')
      .filter((r) => (r.schema as { hide?: boolean } | undefined)?.hide !== true)
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    assert.ok(routes.length > 20, `only ${routes.length} /v1 routes seen`);

    const client = createClient({ baseUrl: 'https://oto.test' });
    const methods = Object.keys(client);
    for (const name of methods) assert.equal(typeof client[name as keyof OtoClient], 'function', name);
    const served = methods
      .map((name) => operations[name as keyof typeof operations])
      .map((operation) => `${operation.method} /v1${operation.url}`)
      .sort();
    assert.deepEqual(served, routes);
  });

  test('loading the client loads no server code and no node: module', () => {
    // Records every module the import resolves to, in a fresh process, as an edge runtime would load it.
    const script = `
      import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); loaded.push(r.url); return r; } });
      const client = await import(${JSON.stringify(new URL('../src/client/client.ts', import.meta.url).href)});
      if (typeof client.createClient !== 'function') throw new Error('no createClient');
      console.log(JSON.stringify(loaded));
    `;
    const child = spawnSync(process.execPath, [...NODE_TS, '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    assert.equal(child.status, 0, child.stderr);
    const loaded = JSON.parse(child.stdout) as string[];
    assert.ok(loaded.some((url) => url.endsWith('/src/http/schemas/tokens.ts')));
    const foreign = loaded.filter(
      (url) => !/\/src\/(client|http\/schemas)\/[^/]+\.ts$|\/src\/(purposes|event-names)\.ts$/.test(url),
    );
    assert.deepEqual(foreign, []);
  });
});

for (const { dialect, skip } of DIALECTS) {
  describe(`the client against a running oto over HTTP, on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let inbox: Inbox;
    let baseUrl: string;
    let oto: OtoClient;

    before(async () => {
      inbox = await startInbox();
      t = await startTestApp(dialect, { ...inbox.env });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      oto = createClient({ baseUrl, apiKey: TEST_API_KEY });
    });
    after(async () => {
      await t?.close();
      await inbox?.close();
    });

    test('tokens: issue, inspect, consume once, revoke', async () => {
      const issued = await oto.issueToken({
        purpose: 'magic_link',
        subject: 'user-42',
        ttlSeconds: 600,
        data: { next: '/inbox' },
      });
      assert.equal(typeof issued.token, 'string');
      assert.equal(typeof issued.id, 'string');
      const token = issued.token ?? '';

      const inspected = await oto.inspectToken({ purpose: 'magic_link', token });
      assert.equal(inspected.state, 'active');
      assert.equal(inspected.subject, 'user-42');
      assert.deepEqual(inspected.data, { next: '/inbox' });

      const consumed = await oto.consumeToken({ purpose: 'magic_link', token });
      assert.deepEqual(consumed, { subject: 'user-42', data: { next: '/inbox' } });
      assert.equal((await oto.inspectToken({ purpose: 'magic_link', token })).state, 'used');
      await expectProblem(oto.consumeToken({ purpose: 'magic_link', token }), 410, 'token_used');

      const first = await oto.issueToken({ purpose: 'magic_link', subject: 'user-7' });
      assert.deepEqual(await oto.revokeTokens({ purpose: 'magic_link', subject: 'user-7' }), { revoked: 1 });
      await expectProblem(
        oto.consumeToken({ purpose: 'magic_link', token: first.token ?? '' }),
        410,
        'token_revoked',
      );
    });

    test('an account: sign up, verify with the mailed token, log in, look the session up, log out', async () => {
      const email = `ada.${dialect}@example.com`;
      const accepted = await oto.signUp({ email, password: PASSWORD });
      assert.equal(accepted.status, 'pending');
      await expectProblem(oto.logIn({ email, password: PASSWORD }), 403, 'email_not_verified');

      const link = tokenLink(await inbox.last(t.ctx, email, 'verify_email'));
      assert.equal(link.origin, 'https://oto.test');
      assert.deepEqual(await oto.verifyEmail({ token: tokenOf(link) }), { status: 'verified' });

      const login = await oto.logIn({ email, password: PASSWORD });
      assert.equal(login.user?.email, email);
      assert.equal(login.user?.emailVerified, true);
      const session = login.sessionToken ?? '';
      assert.notEqual(session, '');

      const me = await oto.currentUser({ session });
      assert.equal(me.email, email);
      assert.equal(me.id, login.user?.id);
      const introspected = await oto.introspectSession({ token: session });
      assert.equal(introspected.active, true);
      assert.equal(introspected.userId, login.user?.id);
      assert.equal(introspected.email, email);

      const activity = await oto.recentActivity({ limit: '5' }, { session });
      assert.ok(activity.events?.some((e) => e.event === 'login.succeeded'));

      assert.equal(await oto.logOut({ session }), undefined);
      await expectProblem(oto.currentUser({ session }), 401, 'unauthenticated');
      assert.equal((await oto.introspectSession({ token: session })).active, false);
    });

    test('errors are typed problems: a malformed token, a bad body, a missing key', async () => {
      await expectProblem(
        oto.consumeToken({ purpose: 'magic_link', token: 'not-a-token' }),
        400,
        'token_invalid',
      );

      // A caller without the types (plain JavaScript) can still send a body oto refuses.
      const untyped = oto.issueToken as (input: unknown) => Promise<unknown>;
      const refused = await expectProblem(
        untyped({ purpose: 'magic_link', subjekt: 'x' }),
        422,
        'invalid_input',
      );
      assert.deepEqual(refused.errors?.map((e) => e.field).sort(), ['subject', 'subjekt']);

      const keyless = createClient({ baseUrl });
      const unauthorized = await expectProblem(
        keyless.issueToken({ purpose: 'magic_link', subject: 'x' }),
        401,
        'unauthorized',
      );
      assert.equal(unauthorized.headers.get('www-authenticate'), 'Bearer');
      // The API key is never sent where no API key is asked for.
      await expectProblem(oto.currentUser(), 401, 'unauthenticated');
    });

    test('a path prefix in baseUrl and a fetch of its own', async () => {
      // A reverse proxy that serves oto under /auth, as the fetch option lets a caller build one.
      const seen: string[] = [];
      const proxied = createClient({
        baseUrl: `${baseUrl}/auth/`,
        apiKey: TEST_API_KEY,
        fetch: (url, init) => {
          seen.push(`${init.method} ${url}`);
          return fetch(url.replace('/auth/v1/', '/v1/'), init);
        },
      });
      const issued = await proxied.issueToken({ purpose: 'magic_link', subject: 'user-9' });
      assert.equal(
        (await proxied.inspectToken({ purpose: 'magic_link', token: issued.token ?? '' })).state,
        'active',
      );
      assert.deepEqual(seen, [`POST ${baseUrl}/auth/v1/tokens`, `POST ${baseUrl}/auth/v1/tokens/inspect`]);
    });
  });
}
