import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { insertUser, KEY_A } from './helpers/flows.ts';
import { type Inbox, type Mail, pathOf, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';

// Passwordless sign-in by email through the JSON API and the link's page, from the email as
// delivered over SMTP.

const PASSWORD = 'correct horse battery staple';

function codeIn(mail: Mail): string {
  const match = /code: (\d{3} \d{3})/.exec(mail.text);
  if (match === null) throw new Error(`no code in ${mail.kind}:\n${mail.text}`);
  return match[1]!.replace(' ', '');
}

function otherCode(digits: string): string {
  return digits.replace(/^./, (d) => String((Number(d) + 1) % 10));
}

const SIGN_IN_COOKIE = '__Host-oto-sign-in';

for (const { dialect, skip } of DIALECTS) {
  describe(`sign-in by email (${dialect})`, { skip }, () => {
    let inbox: Inbox;
    let off: TestApp;
    let t: TestApp;
    let open: TestApp;
    before(async () => {
      inbox = await startInbox();
      const env = { ...inbox.env, OTO_SIGNING_KEYS: KEY_A, RATE_LIMIT_PER_MINUTE: '0' };
      off = await startTestApp(dialect, env);
      t = await startTestApp(dialect, { ...env, SIGN_IN_EMAIL: 'true' });
      open = await startTestApp(dialect, { ...env, SIGN_IN_EMAIL: 'true', SIGN_UP_PASSWORDLESS: 'true' });
    });
    after(async () => {
      await off?.close();
      await t?.close();
      await open?.close();
      await inbox?.close();
    });

    const post = (app: TestApp, url: string, payload: object, cookies: Record<string, string> = {}) =>
      app.app.inject({ method: 'POST', url, payload, cookies });

    /** Asks for a sign-in email; returns the browser's nonce cookie. */
    async function ask(app: TestApp, email: string): Promise<string> {
      app.clock.advance(1000); // so that the newest email is the last one asked for
      const res = await post(app, '/v1/sign-in/email', { email });
      assert.equal(res.statusCode, 202);
      const cookie = res.cookies.find((c) => c.name === SIGN_IN_COOKIE);
      assert.ok(cookie, 'the request sets the browser cookie');
      return cookie.value;
    }

    const confirm = (app: TestApp, payload: object, nonce?: string) =>
      post(app, '/v1/sign-in/email/confirm', payload, nonce === undefined ? {} : { [SIGN_IN_COOKIE]: nonce });

    test('off by default: the routes and the page answer 404', async () => {
      const request = await post(off, '/v1/sign-in/email', { email: 'a@example.com' });
      assert.equal(request.statusCode, 404);
      assert.match(request.headers['content-type'] ?? '', /application\/problem\+json/);
      const confirmed = await confirm(off, { email: 'a@example.com', code: '123456' });
      assert.equal(confirmed.statusCode, 404);
      const page = await off.app.inject({ method: 'GET', url: '/sign-in/email?token=x' });
      assert.equal(page.statusCode, 404);
      assert.equal(await off.ctx.db.selectFrom('email_outbox').select('id').executeTakeFirst(), undefined);
    });

    test('202 byte-identical for an account, a disabled one and an unknown address; only the account is mailed', async () => {
      const known = `known-${dialect}@example.com`;
      const disabled = `disabled-${dialect}@example.com`;
      await insertUser(t.ctx, known);
      const d = await insertUser(t.ctx, disabled);
      await t.ctx.db
        .updateTable('users')
        .set({ disabled_at: t.ctx.clock.now() })
        .where('id', '=', d.id)
        .execute();
      const answers = [];
      for (const email of [known, disabled, `nobody-${dialect}@example.com`]) {
        const res = await post(t, '/v1/sign-in/email', { email });
        const cookie = res.cookies.find((c) => c.name === SIGN_IN_COOKIE);
        assert.ok(cookie?.httpOnly && cookie.secure && cookie.sameSite === 'Lax' && cookie.path === '/');
        assert.ok(cookie.value.length >= 22, 'at least 128 bits of nonce');
        answers.push({ status: res.statusCode, body: res.body, type: res.headers['content-type'] });
      }
      assert.equal(answers[0]!.status, 202);
      assert.deepEqual(answers[1], answers[0]);
      assert.deepEqual(answers[2], answers[0]);
      const mail = await inbox.last(t.ctx, known, 'sign_in');
      assert.ok(!mail.subject.includes(codeIn(mail)), 'the subject never holds the code');
      assert.match(mail.html, /font-size:32px/);
      assert.deepEqual(await inbox.to(t.ctx, disabled), []);
      assert.deepEqual(await inbox.to(t.ctx, `nobody-${dialect}@example.com`), []);
    });

    test('the link in the browser that asked signs in: 200 {user, sessionToken, expiresAt} and the session cookie; once', async () => {
      const email = `link-${dialect}@example.com`;
      await insertUser(t.ctx, email, { passwordHash: null });
      const nonce = await ask(t, email);
      const token = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'sign_in')));
      const res = await confirm(t, { token }, nonce);
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.user.email, email);
      assert.equal(body.user.hasPassword, false);
      assert.ok(Date.parse(body.expiresAt) > t.ctx.clock.now());
      const session = res.cookies.find((c) => c.name === t.config.sessions.cookieName);
      assert.ok(session);
      assert.equal(session.value, body.sessionToken);
      const me = await t.app.inject({
        method: 'GET',
        url: '/v1/me',
        cookies: { [session.name]: session.value },
      });
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().hasPassword, false);
      const again = await confirm(t, { token }, nonce);
      assert.equal(again.statusCode, 410);
      assert.equal(again.json().code, 'token_used');
    });

    test("without the asking browser's cookie: 409 confirmation_required, nothing spent; confirm: true signs in", async () => {
      const email = `elsewhere-${dialect}@example.com`;
      await insertUser(t.ctx, email, { passwordHash: null });
      await ask(t, email);
      const token = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'sign_in')));
      const bare = await confirm(t, { token });
      assert.equal(bare.statusCode, 409);
      assert.equal(bare.json().code, 'confirmation_required');
      const otherBrowser = await ask(t, `someone-else-${dialect}@example.com`);
      const foreign = await confirm(t, { token }, otherBrowser);
      assert.equal(foreign.json().code, 'confirmation_required');
      const yes = await confirm(t, { token, confirm: true });
      assert.equal(yes.statusCode, 200);
      assert.equal(yes.json().user.email, email);
    });

    test('the code signs in; an unknown address and a wrong code get the same answer', async () => {
      const email = `code-${dialect}@example.com`;
      await insertUser(t.ctx, email, { passwordHash: null });
      await ask(t, email);
      const code = codeIn(await inbox.last(t.ctx, email, 'sign_in'));
      const wrong = await confirm(t, { email, code: otherCode(code) });
      const unknown = await confirm(t, { email: `nobody-${dialect}@example.com`, code });
      assert.equal(wrong.statusCode, 400);
      assert.equal(wrong.json().code, 'code_invalid');
      assert.equal(unknown.statusCode, wrong.statusCode);
      assert.equal(unknown.body, wrong.body);
      const pasted = `${code.slice(0, 3)} ${code.slice(3)}`;
      const res = await confirm(t, { email, code: pasted });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().user.email, email);
      assert.equal((await confirm(t, { email, code })).json().code, 'code_invalid', 'a code works once');
    });

    test('budget: 5 wrong codes revoke the code, and a new request does not refill the budget', async () => {
      const email = `budget-${dialect}@example.com`;
      await insertUser(t.ctx, email, { passwordHash: null });
      await ask(t, email);
      const first = codeIn(await inbox.last(t.ctx, email, 'sign_in'));
      for (let i = 0; i < 3; i++) await confirm(t, { email, code: otherCode(first) });
      await ask(t, email);
      const second = codeIn(await inbox.last(t.ctx, email, 'sign_in'));
      for (let i = 0; i < 2; i++) await confirm(t, { email, code: otherCode(second) });
      for (const code of [first, second]) {
        const res = await confirm(t, { email, code });
        assert.equal(res.json().code, 'code_invalid', 'the fifth wrong code revoked every live code');
      }
      const sessions = await t.ctx.db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select('sessions.id')
        .where('users.email', '=', email)
        .execute();
      assert.deepEqual(sessions, []);
    });

    test('GET and HEAD of the link page, repeated without cookies, spend nothing', async () => {
      const email = `get-${dialect}@example.com`;
      await insertUser(t.ctx, email, { passwordHash: null });
      const nonce = await ask(t, email);
      const link = tokenLink(await inbox.last(t.ctx, email, 'sign_in'));
      for (let i = 0; i < 3; i++) {
        for (const method of ['GET', 'HEAD'] as const) {
          const res = await t.app.inject({ method, url: pathOf(link) });
          assert.equal(res.statusCode, 200);
          assert.equal(res.cookies.length, 0, 'no session from a GET');
        }
      }
      const page = await t.app.inject({ method: 'GET', url: pathOf(link) });
      assert.match(page.body, /requested .*elsewhere|another browser/i);
      const res = await confirm(t, { token: tokenOf(link) }, nonce);
      assert.equal(res.statusCode, 200, 'the token is still live');
    });

    test('an unverified account with a password: the first sign-in verifies it and drops the password', async () => {
      const email = `unverified-${dialect}@example.com`;
      const signUp = await post(t, '/v1/users', { email, password: PASSWORD });
      assert.equal(signUp.statusCode, 202);
      const nonce = await ask(t, email);
      const token = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'sign_in')));
      const res = await confirm(t, { token }, nonce);
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().user.emailVerified, true);
      assert.equal(res.json().user.hasPassword, false);
      const login = await post(t, '/v1/sessions', { email, password: PASSWORD });
      assert.equal(login.statusCode, 401, 'a password set without proving the mailbox does not survive');
    });

    test('without SIGN_UP_PASSWORDLESS an unknown address gets nothing; with it, an offer whose link creates a verified account without a password', async () => {
      const email = `new-${dialect}@example.com`;
      await ask(t, email);
      assert.deepEqual(await inbox.to(t.ctx, email), []);

      const nonce = await ask(open, email);
      const mail = await inbox.last(open.ctx, email, 'sign_in_new_account');
      assert.match(mail.subject, /Create your/);
      const res = await confirm(open, { token: tokenOf(tokenLink(mail)) }, nonce);
      assert.equal(res.statusCode, 200);
      const { user, sessionToken } = res.json();
      assert.equal(user.email, email);
      assert.equal(user.emailVerified, true);
      assert.equal(user.hasPassword, false);
      const me = await open.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { authorization: `Bearer ${sessionToken}` },
      });
      assert.equal(me.json().hasPassword, false);
      const row = await open.ctx.db
        .selectFrom('users')
        .selectAll()
        .where('email', '=', email)
        .executeTakeFirstOrThrow();
      assert.equal(row.password_hash, null);
      assert.notEqual(row.email_verified_at, null);
      // The next request is a sign-in to the account now, not another offer.
      await ask(open, email);
      await inbox.last(open.ctx, email, 'sign_in');
    });

    test('a new account by code; then a password can be added through the reset flow', async () => {
      const email = `new-code-${dialect}@example.com`;
      await ask(open, email);
      const code = codeIn(await inbox.last(open.ctx, email, 'sign_in_new_account'));
      const res = await confirm(open, { email, code });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().user.hasPassword, false);

      assert.equal((await post(open, '/v1/password-resets', { email })).statusCode, 202);
      const reset = tokenOf(tokenLink(await inbox.last(open.ctx, email, 'password_reset')));
      const set = await post(open, '/v1/password-resets/confirm', { token: reset, password: PASSWORD });
      assert.equal(set.statusCode, 200);
      const login = await post(open, '/v1/sessions', { email, password: PASSWORD });
      assert.equal(login.statusCode, 200);
      assert.equal(login.json().user.hasPassword, true);
    });
  });
  describe(`sign-in by email under a base path (${dialect})`, { skip }, () => {
    test('the nonce cookie lives under the base path, and the link points there', async () => {
      const inbox = await startInbox();
      const app = await startTestApp(dialect, {
        ...inbox.env,
        OTO_SIGNING_KEYS: KEY_A,
        RATE_LIMIT_PER_MINUTE: '0',
        SIGN_IN_EMAIL: 'true',
        BASE_PATH: '/auth',
      });
      try {
        const email = `based-${dialect}@example.com`;
        await insertUser(app.ctx, email);
        const res = await app.app.inject({
          method: 'POST',
          url: '/auth/v1/sign-in/email',
          payload: { email },
        });
        assert.equal(res.statusCode, 202);
        const cookie = res.cookies.find((c) => c.name === '__Secure-oto-sign-in');
        assert.equal(cookie?.path, '/auth');
        const link = tokenLink(await inbox.last(app.ctx, email, 'sign_in'));
        assert.equal(link.pathname, '/auth/sign-in/email');
        const signedIn = await app.app.inject({
          method: 'POST',
          url: '/auth/v1/sign-in/email/confirm',
          payload: { token: tokenOf(link) },
          cookies: { [cookie!.name]: cookie!.value },
        });
        assert.equal(signedIn.statusCode, 200);
      } finally {
        await app.close();
        await inbox.close();
      }
    });
  });
}
