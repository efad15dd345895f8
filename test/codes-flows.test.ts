import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { insertUser, KEY_A } from './helpers/flows.ts';
import { type Inbox, linksIn, type Mail, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';
import { mannWhitneyP, median } from './helpers/timing.ts';

// Verification and reset by code, through the JSON API, from the email as delivered over SMTP.

const PASSWORD = 'correct horse battery staple';

/** The code as the email's text shows it ("123 456"), and as its digits. */
function codeIn(mail: Mail): { shown: string; digits: string } {
  const match = /code: (\d{3} \d{3})/.exec(mail.text);
  if (match === null) throw new Error(`no code in ${mail.kind}:\n${mail.text}`);
  return { shown: match[1]!, digits: match[1]!.replace(' ', '') };
}

function otherCode(digits: string): string {
  return digits.replace(/^./, (d) => String((Number(d) + 1) % 10));
}

for (const { dialect, skip } of DIALECTS) {
  describe(`email flows with codes (${dialect})`, { skip }, () => {
    let inbox: Inbox;
    let t: TestApp;
    before(async () => {
      inbox = await startInbox();
      t = await startTestApp(dialect, {
        ...inbox.env,
        OTO_SIGNING_KEYS: KEY_A,
        RATE_LIMIT_PER_MINUTE: '0',
        VERIFY_EMAIL_METHOD: 'code',
        RESET_PASSWORD_METHOD: 'both',
      });
    });
    after(async () => {
      await t?.close();
      await inbox?.close();
    });

    const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, payload });

    async function signUp(email: string) {
      const res = await post('/v1/users', { email, password: PASSWORD });
      assert.equal(res.statusCode, 202);
      return inbox.last(t.ctx, email, 'verify_email');
    }

    test('VERIFY_EMAIL_METHOD=code: the email holds a code, large and in the text, and no link; the code verifies', async () => {
      const email = `code-verify-${dialect}@example.com`;
      const mail = await signUp(email);
      const { shown, digits } = codeIn(mail);
      assert.deepEqual(
        linksIn(mail).filter((link) => link.includes('token=')),
        [],
      );
      assert.ok(!mail.subject.includes(digits) && !mail.subject.includes(shown));
      assert.match(mail.html, new RegExp(`font-size:32px[^>]*>${shown}<`));

      const blocked = await post('/v1/sessions', { email, password: PASSWORD });
      assert.equal(blocked.json().code, 'email_not_verified');
      const res = await post('/v1/users/verify', { email, code: shown });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'verified' });
      const login = await post('/v1/sessions', { email, password: PASSWORD });
      assert.equal(login.statusCode, 200);
      const again = await post('/v1/users/verify', { email, code: digits });
      assert.equal(again.json().code, 'code_invalid', 'a code works once');
    });

    test('a wrong code and an address without an account get the same answer', async () => {
      const email = `code-same-${dialect}@example.com`;
      const { digits } = codeIn(await signUp(email));
      const wrong = await post('/v1/users/verify', { email, code: otherCode(digits) });
      const unknown = await post('/v1/users/verify', {
        email: `nobody-${dialect}@example.com`,
        code: digits,
      });
      assert.equal(wrong.statusCode, 400);
      assert.equal(wrong.body, unknown.body);
      assert.equal(wrong.statusCode, unknown.statusCode);
      assert.equal(wrong.json().code, 'code_invalid');
    });

    test('after 5 wrong codes through the API the right one is refused', async () => {
      const email = `code-budget-${dialect}@example.com`;
      const { digits } = codeIn(await signUp(email));
      for (let i = 0; i < 5; i++) await post('/v1/users/verify', { email, code: otherCode(digits) });
      const right = await post('/v1/users/verify', { email, code: digits });
      assert.equal(right.json().code, 'code_invalid');
      const user = await t.ctx.db
        .selectFrom('users')
        .select('email_verified_at')
        .where('email', '=', email)
        .executeTakeFirstOrThrow();
      assert.equal(user.email_verified_at, null);
    });

    test('RESET_PASSWORD_METHOD=both: link and code; a refused password spends neither; the code resets', async () => {
      const email = `code-reset-${dialect}@example.com`;
      const { digits } = codeIn(await signUp(email));
      assert.equal((await post('/v1/users/verify', { email, code: digits })).statusCode, 200);

      assert.equal((await post('/v1/password-resets', { email })).statusCode, 202);
      const mail = await inbox.last(t.ctx, email, 'password_reset');
      const link = tokenLink(mail);
      const code = codeIn(mail).digits;
      assert.ok(!mail.subject.includes(code));

      const weak = await post('/v1/password-resets/confirm', { email, code, password: 'short' });
      assert.equal(weak.statusCode, 422);
      const newPassword = 'a brand new passphrase for codes';
      const res = await post('/v1/password-resets/confirm', { email, code, password: newPassword });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'password_changed' });
      assert.equal((await post('/v1/sessions', { email, password: PASSWORD })).statusCode, 401);
      assert.equal((await post('/v1/sessions', { email, password: newPassword })).statusCode, 200);
      // The link that came with the code is spent with it.
      const viaLink = await post('/v1/password-resets/confirm', {
        token: tokenOf(link),
        password: 'yet another passphrase here',
      });
      assert.equal(viaLink.statusCode, 410);
      assert.equal((await inbox.to(t.ctx, email, 'password_changed')).length, 1);
    });

    test('the reset page without a link is the code form; it resets from the emailed code', async () => {
      const email = `code-page-${dialect}@example.com`;
      const { digits } = codeIn(await signUp(email));
      await post('/v1/users/verify', { email, code: digits });
      await post('/v1/password-resets', { email });
      const { shown } = codeIn(await inbox.last(t.ctx, email, 'password_reset'));

      const page = await t.app.inject({ method: 'GET', url: '/reset-password' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Enter the code instead/);
      assert.match(page.body, /name="code"[^>]*autocomplete="one-time-code"[^>]*inputmode="numeric"/);
      const form = (fields: Record<string, string>) =>
        t.app.inject({
          method: 'POST',
          url: '/reset-password/code',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.config.publicUrl },
          payload: new URLSearchParams(fields).toString(),
        });
      const weak = await form({ email, code: shown, password: 'short' });
      assert.equal(weak.statusCode, 422);
      assert.match(weak.body, new RegExp(`value="${email}"`), 'the address typed is kept');
      const done = await form({ email, code: shown, password: 'a page-typed passphrase for codes' });
      assert.equal(done.statusCode, 303);
      assert.equal(
        (await post('/v1/sessions', { email, password: 'a page-typed passphrase for codes' })).statusCode,
        200,
      );
      assert.ok(!t.logs.text().includes(shown.replace(' ', '')), 'no log line holds the code');
    });

    test('a verification resend keeps the earlier code; the verification spends every code and link', async () => {
      const email = `code-resend-${dialect}@example.com`;
      const first = codeIn(await signUp(email)).digits;
      t.clock.advance(60_000);
      await post('/v1/users/verify/resend', { email });
      const second = codeIn(await inbox.last(t.ctx, email, 'verify_email')).digits;
      assert.notEqual(first, second);
      assert.equal(
        (await post('/v1/users/verify', { email, code: first })).statusCode,
        200,
        'the first code works',
      );
      const user = await t.ctx.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', email)
        .executeTakeFirstOrThrow();
      const live = await t.ctx.db
        .selectFrom('one_time_codes')
        .select('id')
        .where('owner', '=', `user:${user.id}`)
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null)
        .execute();
      assert.equal(live.length, 0, 'the second code was spent with the first');
    });

    test('neither a token nor {email, code}: 422, nothing else', async () => {
      const res = await post('/v1/users/verify', { email: 'a@example.com' });
      assert.equal(res.statusCode, 422);
    });
  });

  describe(`email flows with the default methods (${dialect})`, { skip }, () => {
    let inbox: Inbox;
    let t: TestApp;
    before(async () => {
      inbox = await startInbox();
      t = await startTestApp(dialect, { ...inbox.env, RATE_LIMIT_PER_MINUTE: '0' });
    });
    after(async () => {
      await t?.close();
      await inbox?.close();
    });

    test('link: the email holds a link and no code, and codes are refused with code_not_accepted', async () => {
      const email = `link-only-${dialect}@example.com`;
      await t.app.inject({ method: 'POST', url: '/v1/users', payload: { email, password: PASSWORD } });
      const mail = await inbox.last(t.ctx, email, 'verify_email');
      tokenLink(mail);
      assert.doesNotMatch(mail.text, /code/i);
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/users/verify',
        payload: { email, code: '123456' },
      });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, 'code_not_accepted');
      const reset = await t.app.inject({
        method: 'POST',
        url: '/v1/password-resets/confirm',
        payload: { email, code: '123456', password: 'a brand new passphrase for codes' },
      });
      assert.equal(reset.json().code, 'code_not_accepted');
    });
  });
}

/**
 * A code checked with an address without an account takes as long as a wrong code for one that
 * has a live code (ctx.timing.codeCheck), measured as test/enumeration-timing.test.ts measures the
 * other flows: interleaved requests, medians within 10%, Mann-Whitney p > 0.01, up to three tries.
 */
for (const { dialect, skip } of DIALECTS) {
  // The code of a verification, and of a sign-in by email (src/accounts/sign-in-confirm.ts), each on
  // an app of its own, so that neither measures the other's 750 accounts and codes.
  for (const [flow, url, purpose] of [
    ['verification', '/v1/users/verify', 'verify_email'],
    ['sign-in', '/v1/sign-in/email/confirm', 'sign_in'],
  ] as const) {
    describe(`a wrong code takes as long as an unknown address: ${flow} (${dialect})`, { skip }, () => {
      const PER_CLASS = 200;
      const WARM_UP = 50;
      let t: TestApp;
      before(async () => {
        t = await startTestApp(dialect, {
          OTO_SIGNING_KEYS: KEY_A,
          RATE_LIMIT_PER_MINUTE: '0',
          VERIFY_EMAIL_METHOD: 'code',
          SIGN_IN_EMAIL: 'true',
        });
      });
      after(() => t?.close());

      async function accountsWithCodes(prefix: string): Promise<string[]> {
        const emails = Array.from({ length: PER_CLASS + WARM_UP }, (_, i) => `${prefix}${i}@example.com`);
        for (const email of emails) {
          const user = await insertUser(t.ctx, email, { verified: purpose === 'sign_in' });
          await t.ctx.codes.issue(t.ctx.db, { purpose, userId: user.id });
        }
        return emails;
      }

      async function timed(email: string): Promise<number> {
        const started = process.hrtime.bigint();
        const res = await t.app.inject({ method: 'POST', url, payload: { email, code: '000000' } });
        const took = Number(process.hrtime.bigint() - started);
        assert.equal(res.statusCode, 400, res.body);
        return took;
      }

      // Over HTTP a wrong code for an account answered about 20 µs (4-8%) later on SQLite than an
      // unknown address, though both paths took the same time inside the flow: what runs after the
      // flow runs slower after the full path. The short path now also waits out that measured
      // difference (src/uniform-timing.ts).
      test('wrong code vs unknown address', async () => {
        let figures = '';
        for (const attempt of [1, 2, 3]) {
          const prefix = `timing-${attempt}-`;
          const known = await accountsWithCodes(prefix);
          const nobody = (i: number) => `${prefix}nobody${i}@nowhere.example`;
          for (let i = 0; i < WARM_UP; i++) {
            await timed(known[PER_CLASS + i]!);
            await timed(nobody(PER_CLASS + i));
          }
          const account: number[] = [];
          const none: number[] = [];
          for (let i = 0; i < PER_CLASS; i++) {
            if (i % 2 === 0) account.push(await timed(known[i]!));
            none.push(await timed(nobody(i)));
            if (i % 2 === 1) account.push(await timed(known[i]!));
          }
          const ratio = median(account) / median(none);
          const p = mannWhitneyP(account, none);
          figures += `attempt ${attempt}: median ratio ${ratio.toFixed(3)}, Mann-Whitney p = ${p.toFixed(4)}; `;
          if (ratio > 1 / 1.1 && ratio < 1.1 && p > 0.01) return;
        }
        assert.fail(figures);
      });
    });
  }
}
