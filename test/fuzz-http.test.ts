import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { passwordResetBinding, verifyEmailBinding } from '../src/accounts/bindings.ts';
import { createSession } from '../src/accounts/sessions.ts';
import { findUserById } from '../src/accounts/users.ts';
import { unsubscribeToken } from '../src/newsletter/subscription.ts';
import { insertUser } from './helpers/accounts.ts';
import { apiHeaders, PUBLIC_URL, startTestApp, type TestApp } from './helpers/app.ts';
import { KEY_A } from './helpers/flows.ts';
import {
  anyValue,
  assertWellFormed,
  bitFlippedToken,
  changed,
  concretePath,
  contentTypes,
  formText,
  mutatedToken,
  oddStrings,
  type RouteMethod,
  rawBodies,
  registeredRoutes,
  snapshot,
} from './helpers/fuzz.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * Property-based fuzzing of every route the app registers (read from Fastify's router, so new routes
 * are covered as they land): random JSON, wrong types, huge strings, odd Unicode, odd content types,
 * with and without a session or API key. For every request:
 * - the status is below 500, and the answer is well-formed (problem+json for API errors);
 * - a 4xx changes nothing in the database (a digest of every table, before and after);
 * - a GET or HEAD changes nothing at all, whatever its status.
 * SQLite runs every route; PostgreSQL runs a subset (the token-spending ones). FUZZ_RUNS raises the
 * number of cases per route for a deeper local run.
 */

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 8);
const PASSWORD = 'correct horse battery staple 42';

/** Field names the routes read, so that random bodies get past "unknown property" to the handlers. */
const FIELDS = [
  'email',
  'password',
  'token',
  'purpose',
  'subject',
  'ttlSeconds',
  'data',
  'newEmail',
  'subscribed',
  'scope',
  'role',
  'text',
  'html',
  'List-Unsubscribe',
  'vt',
];
const QUERY_FIELDS = ['token', 'vt', 'sent', 'reset', 'verified', 'resent', 'logged_out'];

/**
 * Changes a 4xx may make: counting a failed login is what a failed login is for, and so is counting
 * a wrong current password where an action asks for one (proveOwnPassword): otherwise those forms
 * would let anyone holding a session guess the password without the login's throttle.
 */
const LOGIN_ROUTES = new Set([
  'POST /v1/sessions',
  'POST /login',
  'POST /v1/me/password',
  'POST /v1/me/email',
  'POST /v1/me/sessions/revoke-others',
  'DELETE /v1/me',
  'POST /account/password',
  'POST /account/sessions/revoke-others',
  'POST /account/delete',
  'POST /verify-email',
]);
const BOOKKEEPING = ['sessions(last_seen_at)'];
const LOGIN_BOOKKEEPING = ['audit_events', 'login_failures'];

/** Routes PostgreSQL runs: the ones that spend or verify tokens. */
const POSTGRES_SUBSET =
  /^\/(v1\/tokens|v1\/users\/verify|v1\/unsubscribe|unsubscribe|verify-email|v1\/password-resets)/;

interface Fixture {
  t: TestApp;
  userId: string;
  email: string;
  tokens: Record<'verify' | 'reset' | 'api' | 'unsubscribe', string[]>;
}

/**
 * Live tokens of every kind for the next route: an earlier route may have spent them, or voided
 * them (a password reset bumps the password version, a verification verifies the user).
 */
async function freshTokens(f: Fixture): Promise<void> {
  const { ctx } = f.t;
  const verified = await findUserById(ctx.db, f.userId);
  const waiting = await insertUser(ctx, `fuzz-new-${randomUUID()}@example.com`, { verified: false });
  f.tokens = { verify: [], reset: [], api: [], unsubscribe: [unsubscribeToken(ctx, f.userId)] };
  const issue = async (purpose: string, owner: { userId?: string; subject?: string }, binding?: string) =>
    (await ctx.tokens.issue(ctx.db, { purpose, ...owner, binding, supersede: false })).token;
  for (let i = 0; i < 4; i++) {
    f.tokens.verify.push(await issue('verify_email', { userId: waiting.id }, verifyEmailBinding(waiting)));
    f.tokens.reset.push(await issue('password_reset', { userId: f.userId }, passwordResetBinding(verified!)));
    f.tokens.api.push(await issue('fuzz', { subject: `s${i}` }));
  }
}

for (const { dialect, skip } of DIALECTS) {
  describe(`fuzzing every route on ${dialect}`, { skip }, () => {
    const f = {} as Fixture;

    before(async () => {
      f.t = await startTestApp(dialect, { RATE_LIMIT_PER_MINUTE: '0', OTO_SIGNING_KEYS: KEY_A });
      const verified = await insertUser(f.t.ctx, 'fuzz-verified@example.com', { password: PASSWORD });
      f.userId = verified.id;
      f.email = verified.email;
    });
    after(() => f.t?.close());

    test('the fuzzer sees every route: the JSON API, the pages and their forms', () => {
      const seen = new Set(registeredRoutes(f.t.app).map((r) => `${r.method} ${r.path}`));
      for (const route of [
        'POST /v1/tokens',
        'POST /v1/tokens/consume',
        'POST /v1/users',
        'POST /v1/users/verify',
        'POST /v1/password-resets/confirm',
        'POST /signup',
        'POST /reset-password',
        'GET /verify-email',
      ]) {
        assert.ok(seen.has(route), `${route} is missing from the router's list`);
      }
    });

    test('every route: no 5xx, well-formed answers, no change on a 4xx or a GET', async (t) => {
      const routes = registeredRoutes(f.t.app).filter(
        (route) => route.method !== 'OPTIONS' && (dialect === 'sqlite' || POSTGRES_SUBSET.test(route.path)),
      );
      const runs = dialect === 'sqlite' ? RUNS : Math.max(4, Math.floor(RUNS / 2));
      for (const route of routes) {
        await t.test(`${route.method} ${route.path}`, async (sub) => {
          // Static files of the API docs: a few cases show they are read-only; more prove nothing.
          const statuses = await fuzzRoute(
            f,
            dialect,
            route,
            route.path.startsWith('/docs/static') ? 2 : runs,
          );
          sub.diagnostic(`${route.method} ${route.path} statuses: ${JSON.stringify(statuses)}`);
        });
      }
    });
  });
}

type Auth = 'none' | 'api-key' | 'bearer-session' | 'cookie-session' | 'bad-bearer';

/** A valid request of a route, as a starting point for mutation: how it is authenticated, its body
 * fields, and its query. Routes without one are fuzzed with random bodies only. */
interface Example {
  auth: Auth;
  fields?: Record<string, fc.Arbitrary<unknown>>;
  query?: Record<string, fc.Arbitrary<string>>;
}

/** A freshly created session's token, for the routes that take one in the body. */
const SESSION_TOKEN = Symbol('session token');

function examples(f: Fixture): Record<string, Example> {
  const from = (list: string[]) => fc.constantFrom(...list);
  const anyToken = fc.constantFrom(...Object.values(f.tokens).flat());
  const newEmail = fc.nat().map((n) => `fuzz-${n}@example.com`);
  const email = fc.oneof(fc.constant(f.email), newEmail);
  const password = fc.constant(PASSWORD);
  return {
    'POST /v1/tokens': {
      auth: 'api-key',
      fields: {
        purpose: fc.constant('fuzz'),
        subject: fc.constantFrom('s0', 'new'),
        ttlSeconds: fc.integer({ min: 1, max: 3600 }),
        data: fc.constant({ plan: 'pro' }),
      },
    },
    'POST /v1/tokens/inspect': { auth: 'api-key', fields: { purpose: fc.constant('fuzz'), token: anyToken } },
    'POST /v1/tokens/consume': {
      auth: 'api-key',
      fields: { purpose: fc.constant('fuzz'), token: from(f.tokens.api) },
    },
    'POST /v1/tokens/revoke': {
      auth: 'api-key',
      fields: { purpose: fc.constant('fuzz'), subject: fc.constant('s9') },
    },
    'PUT /v1/me/subscription': { auth: 'bearer-session', fields: { subscribed: fc.boolean() } },
    'GET /v1/me': { auth: 'bearer-session' },
    'POST /v1/sessions': { auth: 'none', fields: { email, password } },
    'DELETE /v1/sessions/current': { auth: 'bearer-session' },
    'POST /v1/sessions/introspect': { auth: 'api-key', fields: { token: fc.constant(SESSION_TOKEN) } },
    'POST /v1/users': { auth: 'none', fields: { email: newEmail, password } },
    'POST /v1/users/verify': { auth: 'none', fields: { token: from(f.tokens.verify) } },
    'GET /v1/users/verify': { auth: 'none', query: { vt: from(f.tokens.verify) } },
    'POST /v1/users/verify/resend': { auth: 'none', fields: { email: fc.constant('fuzz-new@example.com') } },
    'POST /v1/unsubscribe': { auth: 'none', fields: { token: from(f.tokens.unsubscribe) } },
    'POST /v1/password-resets': { auth: 'none', fields: { email } },
    'POST /v1/password-resets/confirm': { auth: 'none', fields: { token: from(f.tokens.reset), password } },
    'POST /v1/newsletters': {
      auth: 'api-key',
      fields: { subject: fc.constant('News'), text: fc.constant('Hello') },
    },
    'GET /verify-email': { auth: 'none', query: { token: from(f.tokens.verify) } },
    'POST /verify-email': { auth: 'none', fields: { token: from(f.tokens.verify) } },
    'POST /verify-email/resend': { auth: 'none', fields: { email } },
    'GET /reset-password': { auth: 'none', query: { token: from(f.tokens.reset) } },
    'POST /reset-password': { auth: 'none', fields: { token: from(f.tokens.reset), password } },
    'POST /signup': { auth: 'none', fields: { email: newEmail, password } },
    'POST /login': { auth: 'none', fields: { email, password } },
    'POST /forgot-password': { auth: 'none', fields: { email } },
    'POST /logout': { auth: 'cookie-session' },
    'GET /account': { auth: 'cookie-session' },
    'POST /account/subscription': {
      auth: 'cookie-session',
      fields: { subscribed: fc.constantFrom('0', '1') },
    },
    'GET /unsubscribe': { auth: 'none', query: { token: from(f.tokens.unsubscribe) } },
    'POST /unsubscribe': {
      auth: 'none',
      query: { token: from(f.tokens.unsubscribe) },
      fields: { 'List-Unsubscribe': fc.constant('One-Click') },
    },
  };
}

async function fuzzRoute(
  f: Fixture,
  dialect: 'sqlite' | 'postgres',
  route: RouteMethod,
  runs: number,
): Promise<Record<number, number>> {
  const { t } = f;
  const statuses: Record<number, number> = {};
  await freshTokens(f);
  const key = `${route.method === 'HEAD' ? 'GET' : route.method} ${route.path}`;
  const example = examples(f)[key];
  const real = fc.constantFrom(...Object.values(f.tokens).flat());
  const tokens = fc.oneof(real, real.chain(mutatedToken), real.chain(bitFlippedToken));
  const goodValues = fc.oneof(tokens, fc.constantFrom(f.email, PASSWORD, 'fuzz', 'One-Click', f.userId));
  const value = fc.oneof(anyValue, goodValues);
  const api = route.path.startsWith('/v1/');
  const usualType = api ? 'application/json' : 'application/x-www-form-urlencoded';
  const fromExample = (parts: Record<string, fc.Arbitrary<unknown>> | undefined) =>
    parts === undefined ? fc.constant({}) : fc.record(parts);
  const request = fc.record({
    shape: example
      ? fc.constantFrom('example', 'example', 'example', 'mutant', 'mutant', 'fields', 'raw')
      : fc.constantFrom('fields', 'fields', 'json', 'raw'),
    example: fromExample(example?.fields),
    exampleQuery: fromExample(example?.query),
    mutation: fc.record({
      drop: fc.subarray(FIELDS),
      set: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 2 }),
    }),
    fields: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 4 }),
    json: fc.jsonValue({ maxDepth: 3 }),
    raw: rawBodies,
    contentType: fc.oneof({ weight: 3, arbitrary: fc.constant(usualType) }, contentTypes),
    auth: fc.oneof(
      { weight: 3, arbitrary: fc.constant<Auth>(example?.auth ?? 'none') },
      fc.constantFrom<Auth>('none', 'bearer-session', 'cookie-session', 'api-key', 'bad-bearer'),
    ),
    origin: fc.constantFrom(undefined, undefined, undefined, PUBLIC_URL, 'https://evil.example', 'null'),
    query: fc.option(
      fc.dictionary(fc.constantFrom(...QUERY_FIELDS), fc.oneof(oddStrings, tokens), { maxKeys: 2 }),
      { freq: 2 },
    ),
    param: fc.oneof(oddStrings, fc.constant(f.userId)),
  });

  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const headers: Record<string, string> = {};
      let sessionToken = '';
      if (r.auth === 'api-key') Object.assign(headers, apiHeaders);
      if (r.auth === 'bad-bearer') headers['authorization'] = 'Bearer not-a-real-key-or-session';
      if (r.auth.endsWith('-session') || usesSessionToken(r.example)) {
        sessionToken = (await createSession(t.ctx, t.ctx.db, f.userId)).token;
        if (r.auth === 'bearer-session') headers['authorization'] = `Bearer ${sessionToken}`;
        if (r.auth === 'cookie-session')
          headers['cookie'] = `${t.config.sessions.cookieName}=${sessionToken}`;
      }
      if (r.origin !== undefined) headers['origin'] = r.origin;

      let body: unknown;
      let query: Record<string, unknown> | null = r.query;
      if (r.shape === 'example' || r.shape === 'mutant') {
        const fields = withSession({ ...r.example }, sessionToken);
        if (r.shape === 'mutant') {
          for (const name of r.mutation.drop) delete fields[name];
          Object.assign(fields, r.mutation.set);
        }
        body = fields;
        query = { ...r.exampleQuery, ...(r.shape === 'mutant' ? r.query : {}) };
      } else body = r.shape === 'raw' ? r.raw : r.shape === 'json' ? r.json : r.fields;

      const hasBody = route.method !== 'GET' && route.method !== 'HEAD';
      const payload = hasBody ? encode(body, r.contentType) : undefined;
      if (hasBody && r.contentType !== undefined) headers['content-type'] = r.contentType;
      const search =
        query && Object.keys(query).length > 0
          ? `?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, formText(v)]))}`
          : '';
      const url = concretePath(route.path, r.param) + search;

      const before = await snapshot(t.ctx.db, dialect);
      const answer = await t.app.inject({ method: route.method as 'GET', url, headers, payload });
      statuses[answer.statusCode] = (statuses[answer.statusCode] ?? 0) + 1;
      assertWellFormed(route.method, url, answer);
      const after = await snapshot(t.ctx.db, dialect);

      const readOnly = route.method === 'GET' || route.method === 'HEAD';
      if (readOnly || (answer.statusCode >= 400 && answer.statusCode < 500)) {
        const allowed = [
          ...BOOKKEEPING,
          ...(LOGIN_ROUTES.has(`${route.method} ${route.path}`) ? LOGIN_BOOKKEEPING : []),
        ];
        const unexpected = changed(before, after).filter((name) => !allowed.includes(name));
        assert.deepEqual(
          unexpected,
          [],
          `${route.method} ${url} answered ${answer.statusCode} but changed ${unexpected.join(', ')}`,
        );
      }
    }),
    { numRuns: runs },
  );
  return statuses;
}

function usesSessionToken(fields: Record<string, unknown>): boolean {
  return Object.values(fields).includes(SESSION_TOKEN);
}

function withSession(fields: Record<string, unknown>, token: string): Record<string, unknown> {
  for (const [name, value] of Object.entries(fields)) if (value === SESSION_TOKEN) fields[name] = token;
  return fields;
}

/** The body as a client with that content type would (or would wrongly) send it. */
function encode(value: unknown, contentType: string | undefined): string | Buffer {
  if (Buffer.isBuffer(value)) return value;
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('x-www-form-urlencoded') && value && typeof value === 'object') {
    return new URLSearchParams(Object.entries(value).map(([k, v]) => [k, formText(v)])).toString();
  }
  if (type.startsWith('multipart/') && value && typeof value === 'object') {
    const parts = Object.entries(value).map(
      ([k, v]) => `--fuzz\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${formText(v)}\r\n`,
    );
    return `${parts.join('')}--fuzz--\r\n`;
  }
  return JSON.stringify(value) ?? '';
}
