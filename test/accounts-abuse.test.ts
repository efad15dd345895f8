import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { throttleKey } from '../src/accounts/login-throttle.ts';
import type { Context } from '../src/context.ts';
import { PUBLIC_URL, startTestApp, type TestApp } from './helpers/app.ts';
import { type Inbox, linksIn, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'seven purple walruses sing';
const HOUR = 3_600_000;

/** A random private address, so rate-limit counts never collide with another test run's. */
const randomIp = () => `10.${[...randomBytes(3)].join('.')}`;

async function counts(ctx: Context) {
  const count = async (table: 'users' | 'email_outbox' | 'security_tokens' | 'sessions') =>
    Number(
      (
        await ctx.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    users: await count('users'),
    outbox: await count('email_outbox'),
    tokens: await count('security_tokens'),
    sessions: await count('sessions'),
  };
}

for (const { dialect, skip } of DIALECTS) {
  describe(`account abuse limits on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let inbox: Inbox;
    before(async () => {
      inbox = await startInbox();
      t = await startTestApp(dialect, {
        ...inbox.env,
        RATE_LIMIT_PER_MINUTE: '0',
        TRUST_PROXY: 'true',
        LOGIN_MAX_FAILURES: '3',
        LOGIN_FAILURE_WINDOW: '15m',
        LOGIN_COOLDOWN: '15m',
      });
    });
    after(async () => {
      await t?.close();
      await inbox?.close();
    });

    const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => {
      t.clock.advance(1000);
      return t.app.inject({ method: 'POST', url, payload: payload as object, headers });
    };

    async function verifiedUser(email: string) {
      await post('/v1/users', { email, password: PASSWORD });
      const token = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'verify_email')));
      assert.equal((await post('/v1/users/verify', { token })).statusCode, 200);
    }

    /** Everything a client sees but the headers that must differ between any two responses. */
    // Date and request id aside, and the value of the verification-browser nonce, which is random
    // on every post (its presence and attributes are compared).
    function visible(res: Awaited<ReturnType<typeof post>>) {
      const { date: _d, 'x-request-id': _r, ...headers } = res.headers;
      if (headers['set-cookie'] !== undefined)
        headers['set-cookie'] = String(headers['set-cookie']).replace(
          /^(__Host-oto-verify|oto_verify)=[^;]+/,
          '$1=<nonce>',
        );
      return { status: res.statusCode, headers, body: res.rawPayload.toString('base64') };
    }

    test('sign-up, resend and reset answer byte-identically for known and unknown addresses', async () => {
      await verifiedUser('known@example.com');
      await post('/v1/users', { email: 'pending@example.com', password: PASSWORD });
      const cases: [string, (email: string) => unknown][] = [
        ['/v1/users', (email) => ({ email, password: NEW_PASSWORD })],
        ['/v1/users/verify/resend', (email) => ({ email })],
        ['/v1/password-resets', (email) => ({ email })],
      ];
      for (const [url, payload] of cases) {
        const unknown = visible(await post(url, payload('unknown@example.com')));
        assert.equal(unknown.status, 202, url);
        for (const email of ['known@example.com', 'pending@example.com', 'KNOWN@example.com']) {
          assert.deepEqual(visible(await post(url, payload(email))), unknown, `${url} for ${email}`);
        }
      }
    });

    test('the page forms answer identically for known and unknown addresses too', async () => {
      for (const [url, fields] of [
        ['/signup', { password: NEW_PASSWORD }],
        ['/forgot-password', {}],
        ['/verify-email/resend', {}],
      ] as const) {
        const answers = [];
        for (const email of ['known@example.com', 'nobody-here@example.com']) {
          t.clock.advance(1000);
          const res = await t.app.inject({
            method: 'POST',
            url,
            headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL },
            payload: new URLSearchParams({ email, ...fields }).toString(),
          });
          answers.push(visible(res));
        }
        assert.equal(answers[0]!.status, 303, url);
        if (url !== '/forgot-password')
          assert.match(String(answers[0]!.headers['set-cookie']), /^(__Host-oto-verify|oto_verify)=<nonce>;/);
        assert.deepEqual(answers[0], answers[1], url);
      }
    });

    test('wrong email and wrong password get the same 401', async () => {
      const unknown = await post('/v1/sessions', { email: 'ghost@example.com', password: PASSWORD });
      const wrong = await post('/v1/sessions', {
        email: 'known@example.com',
        password: 'not my password at all',
      });
      assert.equal(unknown.statusCode, 401);
      assert.equal(unknown.json().code, 'invalid_credentials');
      assert.deepEqual(visible(unknown), visible(wrong));
    });

    test('per-recipient caps hold when requests come from different IPs', async () => {
      const email = 'capped@example.com';
      await verifiedUser(email);
      const before = (await inbox.to(t.ctx, email, 'password_reset')).length;
      for (let i = 0; i < 6; i++) {
        const res = await post('/v1/password-resets', { email }, { 'x-forwarded-for': randomIp() });
        assert.equal(res.statusCode, 202, 'the answer does not change over the cap');
      }
      assert.equal((await inbox.to(t.ctx, email, 'password_reset')).length - before, 3);

      for (let i = 0; i < 6; i++) {
        await post('/v1/users', { email, password: NEW_PASSWORD }, { 'x-forwarded-for': randomIp() });
      }
      // One verification email went out at sign-up; "account exists" notices share that cap.
      const verifyCap = await inbox.to(t.ctx, email);
      assert.equal(
        verifyCap.filter((m) => m.kind === 'verify_email' || m.kind === 'account_exists').length,
        3,
      );

      t.clock.advance(HOUR);
      await post('/v1/password-resets', { email }, { 'x-forwarded-for': randomIp() });
      assert.equal(
        (await inbox.to(t.ctx, email, 'password_reset')).length - before,
        4,
        'an hour later, one more',
      );
    });

    test('the resend cap counts the sign-up email', async () => {
      const email = 'resend-cap@example.com';
      await post('/v1/users', { email, password: PASSWORD });
      for (let i = 0; i < 5; i++) {
        assert.equal(
          (await post('/v1/users/verify/resend', { email }, { 'x-forwarded-for': randomIp() })).statusCode,
          202,
        );
      }
      assert.equal((await inbox.to(t.ctx, email, 'verify_email')).length, 3);
    });

    test('concurrent requests for one address never pass the cap', async () => {
      const email = 'parallel-cap@example.com';
      await verifiedUser(email);
      t.clock.advance(1000);
      const answers = await Promise.all(
        Array.from({ length: 12 }, () =>
          t.app.inject({
            method: 'POST',
            url: '/v1/password-resets',
            payload: { email },
            headers: { 'x-forwarded-for': randomIp() },
          }),
        ),
      );
      assert.ok(answers.every((res) => res.statusCode === 202));
      assert.equal((await inbox.to(t.ctx, email, 'password_reset')).length, 3);
    });

    test('concurrent sign-ups of one new address make one account', async () => {
      const email = 'race-signup@example.com';
      const answers = await Promise.all(
        Array.from({ length: 4 }, () =>
          t.app.inject({ method: 'POST', url: '/v1/users', payload: { email, password: PASSWORD } }),
        ),
      );
      assert.deepEqual(
        answers.map((r) => r.statusCode),
        [202, 202, 202, 202],
      );
      const users = await t.ctx.db
        .selectFrom('users')
        .select('id')
        .where('email_normalized', '=', email)
        .execute();
      assert.equal(users.length, 1);
    });

    test('login cool-down: after LOGIN_MAX_FAILURES, 429 even with the right password; a reset still works', async () => {
      const email = 'cooldown@example.com';
      await verifiedUser(email);
      for (let i = 0; i < 3; i++) {
        const res = await post('/v1/sessions', { email, password: `wrong guess number ${i}` });
        assert.equal(res.statusCode, 401);
      }
      const locked = await post('/v1/sessions', { email, password: PASSWORD });
      assert.equal(locked.statusCode, 429);
      assert.equal(locked.json().code, 'login_cooldown');
      assert.ok(Number(locked.headers['retry-after']) > 800 && Number(locked.headers['retry-after']) <= 900);

      assert.equal((await post('/v1/password-resets', { email })).statusCode, 202);
      const token = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'password_reset')));
      assert.equal(
        (await post('/v1/password-resets/confirm', { token, password: NEW_PASSWORD })).statusCode,
        200,
      );
      assert.equal(
        (await post('/v1/sessions', { email, password: NEW_PASSWORD })).statusCode,
        200,
        'the reset lifted it',
      );
    });

    test('after 100 failed checks in a row, across cool-downs, even the right password waits for a reset (checklist D.13)', async () => {
      const email = 'streak@example.com';
      await verifiedUser(email);
      const streak = async () =>
        (
          await t.ctx.db
            .selectFrom('login_failures')
            .select('streak')
            .where('key', '=', throttleKey(email))
            .executeTakeFirstOrThrow()
        ).streak;
      const max = t.config.limits.loginMaxConsecutiveFailures;
      assert.equal(max, 100, "NIST SP 800-63B's ceiling is the default");
      for (let i = 1; i <= max; i++) {
        const res = await post('/v1/sessions', { email, password: `wrong guess number ${i}` });
        assert.equal(res.statusCode, 401, `guess ${i}`);
        if (i % 3 === 0) {
          // Refused attempts during the cool-down are not checks, and do not add to the streak.
          assert.equal((await post('/v1/sessions', { email, password: 'a refused one' })).statusCode, 429);
          assert.equal(await streak(), i);
          t.clock.advance(t.config.limits.loginCooldownSeconds * 1000);
        }
      }
      t.clock.advance(t.config.limits.loginCooldownSeconds * 1000);
      const held = await post('/v1/sessions', { email, password: PASSWORD });
      assert.equal(held.statusCode, 429);
      assert.equal(held.json().code, 'login_cooldown');
      assert.match(held.json().detail, /Reset the password/);

      // A day later it still holds, and asking for a reset link changes nothing by itself.
      t.clock.advance(24 * 3_600_000);
      assert.equal((await post('/v1/password-resets', { email })).statusCode, 202);
      assert.equal((await post('/v1/sessions', { email, password: PASSWORD })).statusCode, 429);
      // Completing the reset ends the streak.
      const token = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'password_reset')));
      assert.equal(
        (await post('/v1/password-resets/confirm', { token, password: NEW_PASSWORD })).statusCode,
        200,
      );
      assert.equal((await post('/v1/sessions', { email, password: NEW_PASSWORD })).statusCode, 200);
    });

    test('the cool-down ends after LOGIN_COOLDOWN; failures outside the window do not add up', async () => {
      const email = 'cooldown-ends@example.com';
      await verifiedUser(email);
      for (let i = 0; i < 2; i++)
        await post('/v1/sessions', { email, password: `wrong ${i} for this account` });
      t.clock.advance(16 * 60_000);
      await post('/v1/sessions', { email, password: 'wrong again, a new window' });
      assert.equal((await post('/v1/sessions', { email, password: PASSWORD })).statusCode, 200, 'not locked');

      for (let i = 0; i < 3; i++)
        await post('/v1/sessions', { email, password: `wrong ${i} once more here` });
      assert.equal((await post('/v1/sessions', { email, password: PASSWORD })).statusCode, 429);
      const page = await t.app.inject({
        method: 'POST',
        url: '/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL },
        payload: new URLSearchParams({ email, password: PASSWORD }).toString(),
      });
      assert.equal(page.statusCode, 429);
      assert.match(page.body, /Too many failed attempts/);
      t.clock.advance(15 * 60_000);
      assert.equal((await post('/v1/sessions', { email, password: PASSWORD })).statusCode, 200);
    });

    /** A login at the current instant: unlike post(), it leaves the clock where it is. */
    const logInNow = (email: string, password: string) =>
      t.app.inject({ method: 'POST', url: '/v1/sessions', payload: { email, password } });
    const loginPageNow = (email: string, password: string) =>
      t.app.inject({
        method: 'POST',
        url: '/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL },
        payload: new URLSearchParams({ email, password }).toString(),
      });

    test("the cool-down of an address without an account answers byte for byte like an account's", async () => {
      const known = 'locked-known@example.com';
      const unknown = 'locked-nobody@example.com';
      await verifiedUser(known);
      t.clock.advance(1000);
      for (let i = 0; i < 3; i++) {
        const answers = [
          await logInNow(known, `wrong guess ${i} here`),
          await logInNow(unknown, `wrong ${i}`),
        ];
        assert.deepEqual(
          answers.map((r) => r.statusCode),
          [401, 401],
        );
        assert.deepEqual(visible(answers[0]!), visible(answers[1]!));
      }
      t.clock.advance(61_000);
      const knownLocked = await logInNow(known, PASSWORD);
      const unknownLocked = await logInNow(unknown, PASSWORD);
      assert.equal(knownLocked.statusCode, 429, 'even the right password is refused');
      assert.equal(knownLocked.headers['retry-after'], String(15 * 60 - 61));
      assert.deepEqual(visible(unknownLocked), visible(knownLocked));
      assert.deepEqual(
        visible(await loginPageNow(unknown, PASSWORD)),
        visible(await loginPageNow(known, PASSWORD)),
      );

      const keys = await t.ctx.db.selectFrom('login_failures').select('key').execute();
      assert.ok(keys.length >= 2);
      for (const { key } of keys) assert.match(key, /^[0-9a-f]{64}$/, 'no address in the clear');

      t.clock.advance(15 * 60_000 - 61_000);
      assert.equal((await logInNow(known, PASSWORD)).statusCode, 200, 'the cool-down is over');
      const after = [await logInNow(unknown, PASSWORD), await logInNow(known, 'a wrong password again')];
      assert.deepEqual(
        after.map((r) => r.statusCode),
        [401, 401],
      );
      assert.deepEqual(visible(after[0]!), visible(after[1]!));
    });

    test('parallel wrong logins are all counted: no more than LOGIN_MAX_FAILURES password checks get through', async () => {
      const email = 'parallel-guesses@example.com';
      await verifiedUser(email);
      for (const address of [email, 'parallel-nobody@example.com']) {
        t.clock.advance(1000);
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, i) => logInNow(address, `parallel wrong guess ${i}`)),
        );
        const statuses = answers.map((r) => r.statusCode).sort();
        assert.deepEqual(statuses, [...Array(3).fill(401), ...Array(17).fill(429)], address);
        assert.equal((await logInNow(address, PASSWORD)).statusCode, 429, `${address} is cooling down`);
      }
    });

    test('an unverified account cools down too, and its right password uses up no allowance', async () => {
      const email = 'unverified-login@example.com';
      await post('/v1/users', { email, password: PASSWORD });
      for (let i = 0; i < 3; i++) await post('/v1/sessions', { email, password: `wrong password ${i} x` });
      // The third attempt used up the allowance; the right password is not checked any more.
      assert.equal((await post('/v1/sessions', { email, password: PASSWORD })).statusCode, 429);
      t.clock.advance(15 * 60_000);
      for (let i = 0; i < 5; i++) {
        const res = await post('/v1/sessions', { email, password: PASSWORD });
        assert.equal(res.json().code, 'email_not_verified', `attempt ${i}`);
      }
    });

    test('cross-origin form posts are refused and change nothing', async () => {
      const email = 'victim@example.com';
      await verifiedUser(email);
      await post('/v1/password-resets', { email });
      const resetToken = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'password_reset')));
      await post('/v1/users', { email: 'pending-victim@example.com', password: PASSWORD });
      const verifyToken = tokenOf(
        tokenLink(await inbox.last(t.ctx, 'pending-victim@example.com', 'verify_email')),
      );
      const before = await counts(t.ctx);
      const posts: [string, Record<string, string>][] = [
        ['/signup', { email: 'csrf-new@example.com', password: PASSWORD }],
        ['/login', { email, password: PASSWORD }],
        ['/forgot-password', { email }],
        ['/reset-password', { token: resetToken, password: NEW_PASSWORD }],
        ['/verify-email', { token: verifyToken }],
        ['/verify-email/resend', { email: 'pending-victim@example.com' }],
      ];
      for (const [url, fields] of posts) {
        for (const headers of [{ origin: 'https://evil.test' }, { 'sec-fetch-site': 'cross-site' }]) {
          const res = await t.app.inject({
            method: 'POST',
            url,
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
            payload: new URLSearchParams(fields).toString(),
          });
          assert.equal(res.statusCode, 403, `${url} ${JSON.stringify(headers)}`);
          assert.match(res.body, /Requests from other sites are not accepted/);
          assert.equal(res.cookies.length, 0);
        }
      }
      assert.deepEqual(await counts(t.ctx), before);
      assert.equal((await t.ctx.tokens.inspect(t.ctx.db, 'password_reset', resetToken)).state, 'active');
      assert.equal((await t.ctx.tokens.inspect(t.ctx.db, 'verify_email', verifyToken)).state, 'active');
      // The JSON API takes JSON only, which a cross-site form cannot send without a preflight.
      const formToApi = await t.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.test' },
        payload: new URLSearchParams({ email, password: PASSWORD }).toString(),
      });
      assert.equal(formToApi.statusCode, 415);
    });

    test('a hostile Host, X-Forwarded-Host or Forwarded header never changes emailed links', async () => {
      const email = 'poison@example.com';
      await verifiedUser(email);
      await post('/v1/users', { email: 'poison-new@example.com', password: PASSWORD });
      const hostile: Record<string, string>[] = [
        { host: 'evil.test' },
        { 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'http' },
        { forwarded: 'host=evil.test;proto=http' },
      ];
      for (const headers of hostile) {
        t.clock.advance(HOUR);
        await post('/v1/password-resets', { email }, headers);
        await post('/v1/users', { email, password: NEW_PASSWORD }, headers);
        await post('/v1/users/verify/resend', { email: 'poison-new@example.com' }, headers);
      }
      const mails = [...(await inbox.to(t.ctx, email)), ...(await inbox.to(t.ctx, 'poison-new@example.com'))];
      assert.ok(mails.length >= 8);
      for (const mail of mails) {
        for (const link of linksIn(mail)) assert.ok(link.startsWith(`${PUBLIC_URL}/`), link);
        assert.ok(!`${mail.text}${mail.html}`.includes('evil.test'));
      }
    });

    test('bad input gets a 4xx problem and changes nothing', async () => {
      const before = await counts(t.ctx);
      const json = { 'content-type': 'application/json' };
      const cases: [string, string | Buffer, Record<string, string>, number][] = [
        ['/v1/users', JSON.stringify({ email: 5, password: PASSWORD }), json, 422],
        ['/v1/users', JSON.stringify({ email: 'a@example.com', password: ['x'] }), json, 422],
        ['/v1/users', JSON.stringify({ email: 'a@example.com' }), json, 422],
        ['/v1/users', JSON.stringify({ email: 'a@example.com', password: PASSWORD, admin: true }), json, 422],
        ['/v1/users', JSON.stringify({ email: 'not an email', password: PASSWORD }), json, 422],
        [
          '/v1/users',
          JSON.stringify({ email: `${'a'.repeat(250)}@example.com`, password: PASSWORD }),
          json,
          422,
        ],
        ['/v1/users', JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(1025) }), json, 422],
        ['/v1/users', JSON.stringify([]), json, 422],
        ['/v1/users', 'null', json, 422],
        ['/v1/users', '{"email": "a@example.com", "password": ', json, 400],
        [
          '/v1/users',
          JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(1024 * 1024) }),
          json,
          413,
        ],
        [
          '/v1/users',
          `email=a%40example.com&password=${encodeURIComponent(PASSWORD)}`,
          { 'content-type': 'text/plain' },
          415,
        ],
        [
          '/v1/users',
          Buffer.concat([
            Buffer.from('{"email":"a'),
            Buffer.from([0xff, 0xfe]),
            Buffer.from(`@example.com","password":"${PASSWORD}"}`),
          ]),
          json,
          422,
        ],
        [
          '/v1/password-resets',
          Buffer.concat([
            Buffer.from('{"email":"known'),
            Buffer.from([0xc3, 0x28]),
            Buffer.from('@example.com"}'),
          ]),
          json,
          422,
        ],
        ['/v1/password-resets', JSON.stringify({ email: null }), json, 422],
        ['/v1/password-resets', JSON.stringify({}), json, 422],
        ['/v1/users/verify/resend', JSON.stringify({ email: { $ne: 1 } }), json, 422],
        [
          '/v1/sessions',
          JSON.stringify({ email: 'known@example.com', password: 'x'.repeat(2000) }),
          json,
          422,
        ],
        ['/v1/sessions', JSON.stringify({ email: 'known@example.com' }), json, 422],
        ['/v1/users/verify', JSON.stringify({ token: 12 }), json, 422],
        ['/v1/users/verify', JSON.stringify({ token: 'x'.repeat(600) }), json, 422],
        [
          '/v1/password-resets/confirm',
          JSON.stringify({ token: 'abc', password: 'x'.repeat(5000) }),
          json,
          422,
        ],
        ['/v1/password-resets/confirm', JSON.stringify({ password: NEW_PASSWORD }), json, 422],
        [
          '/signup',
          'x'.repeat(1024 * 1024),
          { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL },
          413,
        ],
        [
          '/signup',
          'email=bad&password=short',
          { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL },
          422,
        ],
        [
          '/login',
          'email[]=x&password=y',
          { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL },
          422,
        ],
      ];
      for (const [url, payload, headers, status] of cases) {
        const res = await t.app.inject({ method: 'POST', url, payload, headers });
        assert.equal(
          res.statusCode,
          status,
          `${url} ${String(payload).slice(0, 80)}: ${res.body.slice(0, 200)}`,
        );
        if (url.startsWith('/v1/')) {
          assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
          assert.equal(typeof res.json().code, 'string');
        }
      }
      assert.deepEqual(await counts(t.ctx), before);
    });

    test('invalid UTF-8 in an email is named as the reason', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/users',
        headers: { 'content-type': 'application/json' },
        payload: Buffer.concat([
          Buffer.from('{"email":"a'),
          Buffer.from([0xff]),
          Buffer.from(`@example.com","password":"${PASSWORD}"}`),
        ]),
      });
      assert.equal(res.statusCode, 422);
      assert.deepEqual(res.json().errors, [{ field: 'email', message: 'is not a valid email address' }]);
    });
  });
}

describe('per-IP rate limits', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite', { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'true' });
  });
  after(() => t?.close());

  test('the limit gives 429 with Retry-After, per IP and per route', async () => {
    const ip = randomIp();
    const reset = () =>
      t.app.inject({
        method: 'POST',
        url: '/v1/password-resets',
        payload: { email: 'someone@example.com' },
        headers: { 'x-forwarded-for': ip },
      });
    for (let i = 0; i < 3; i++) assert.equal((await reset()).statusCode, 202);
    const limited = await reset();
    assert.equal(limited.statusCode, 429);
    assert.match(limited.headers['content-type'] ?? '', /application\/problem\+json/);
    assert.equal(limited.json().code, 'rate_limited');
    assert.ok(Number(limited.headers['retry-after']) > 0);

    const otherIp = await t.app.inject({
      method: 'POST',
      url: '/v1/password-resets',
      payload: { email: 'someone@example.com' },
      headers: { 'x-forwarded-for': randomIp() },
    });
    assert.equal(otherIp.statusCode, 202);
    const otherRoute = await t.app.inject({
      method: 'POST',
      url: '/v1/users/verify/resend',
      payload: { email: 'someone@example.com' },
      headers: { 'x-forwarded-for': ip },
    });
    assert.equal(otherRoute.statusCode, 202);
  });

  test('sign-up, login, resend and the page forms are limited too', async () => {
    for (const [url, payload, headers] of [
      ['/v1/users', { email: 'x@example.com', password: PASSWORD }, {}],
      ['/v1/sessions', { email: 'x@example.com', password: PASSWORD }, {}],
      ['/v1/users/verify/resend', { email: 'x@example.com' }, {}],
      [
        '/login',
        'email=x%40example.com&password=y',
        { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL },
      ],
      [
        '/signup',
        'email=x%40example.com&password=y',
        { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL },
      ],
      [
        '/forgot-password',
        'email=x%40example.com',
        { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL },
      ],
    ] as const) {
      const ip = randomIp();
      const statuses = [];
      for (let i = 0; i < 4; i++) {
        const res = await t.app.inject({
          method: 'POST',
          url,
          payload: payload as string,
          headers: { ...headers, 'x-forwarded-for': ip },
        });
        statuses.push(res.statusCode);
      }
      assert.equal(statuses[3], 429, `${url}: ${statuses}`);
      assert.ok(
        statuses.slice(0, 3).every((s) => s !== 429),
        `${url}: ${statuses}`,
      );
    }
  });

  test('without TRUST_PROXY, X-Forwarded-For is ignored: the socket address counts', async () => {
    const direct = await startTestApp('sqlite', { RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        const res = await direct.app.inject({
          method: 'POST',
          url: '/v1/password-resets',
          payload: { email: 'spoof@example.com' },
          headers: { 'x-forwarded-for': randomIp() },
        });
        statuses.push(res.statusCode);
      }
      assert.deepEqual(statuses, [202, 202, 429]);
    } finally {
      await direct.close();
    }
  });
});

describe('per-IP rate limits shared through Redis', () => {
  test('two instances on one Redis share the count', async (context) => {
    const redisUrl = 'redis://127.0.0.1:6379';
    const { Redis } = await import('ioredis');
    const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 500 });
    try {
      await probe.connect();
      await probe.ping();
    } catch {
      context.skip('Redis is not reachable at 127.0.0.1:6379');
      probe.disconnect();
      return;
    }
    probe.disconnect();
    const env = { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'true', REDIS_URL: redisUrl };
    const a = await startTestApp('sqlite', env);
    const b = await startTestApp('sqlite', env);
    try {
      const ip = randomIp();
      const send = (t: TestApp) =>
        t.app.inject({
          method: 'POST',
          url: '/v1/password-resets',
          payload: { email: 'shared@example.com' },
          headers: { 'x-forwarded-for': ip },
        });
      const statuses = [(await send(a)).statusCode, (await send(b)).statusCode, (await send(a)).statusCode];
      statuses.push((await send(b)).statusCode);
      assert.deepEqual(statuses, [202, 202, 202, 429]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
