import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyCookieName } from '../src/http/pages/verify-email.ts';
import { PUBLIC_URL, startTestApp, type TestApp } from './helpers/app.ts';
import { type Inbox, pathOf, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';

const PASSWORD = 'correct horse battery staple';
const ATTACKER_PASSWORD = 'the attacker chose this one';

/**
 * Security checklist J.42: mail scanners open links and may press the buttons of the page. A
 * verification landing page that one click completes would let a scanner confirm an address for
 * whoever signed up with it (account pre-hijacking). oto's page confirms with one click only in
 * the browser that asked for the link; anywhere else it asks for the account's password too
 * (src/accounts/verify-in-browser.ts).
 */
for (const { dialect, skip } of DIALECTS) {
  describe(`verification links opened in another browser, on ${dialect}`, { skip }, () => {
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

    const formPost = (url: string, fields: Record<string, string>, cookie?: string) => {
      t.clock.advance(1000);
      return t.app.inject({
        method: 'POST',
        url,
        payload: new URLSearchParams(fields).toString(),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: PUBLIC_URL,
          ...(cookie ? { cookie } : {}),
        },
      });
    };
    const isVerified = async (email: string) =>
      (
        await t.ctx.db
          .selectFrom('users')
          .select('email_verified_at')
          .where('email', '=', email)
          .executeTakeFirstOrThrow()
      ).email_verified_at !== null;
    const tokenState = async (token: string) =>
      (await t.ctx.tokens.inspect(t.ctx.db, 'verify_email', token)).state;

    /** Signs up through the page, as a browser; returns the browser's cookie and the emailed token. */
    async function signUpInBrowser(email: string, password: string) {
      const res = await formPost('/signup', { email, password });
      assert.equal(res.statusCode, 303);
      const nonce = res.cookies.find((c) => c.name === verifyCookieName(t.config));
      assert.ok(nonce, 'the sign-up page marks the browser');
      assert.equal(nonce.httpOnly, true);
      const link = tokenLink(await inbox.last(t.ctx, email, 'verify_email'));
      return { cookie: `${nonce.name}=${nonce.value}`, link, token: tokenOf(link) };
    }

    test('the browser that signed up confirms with one click', async () => {
      const email = 'same-browser@example.com';
      const { cookie, link, token } = await signUpInBrowser(email, PASSWORD);
      const landing = await t.app.inject({ method: 'GET', url: pathOf(link), headers: { cookie } });
      assert.equal(landing.statusCode, 200);
      assert.doesNotMatch(landing.body, /type="password"/);
      const confirm = await formPost('/verify-email', { token }, cookie);
      assert.equal(confirm.statusCode, 303);
      assert.equal(confirm.headers.location, '/login?verified=1');
      assert.equal(await isVerified(email), true);
    });

    test("a scanner pressing the button confirms nothing: an attacker's sign-up stays unverified", async () => {
      // The attacker signs up with the victim's address; the link goes to the victim's mailbox,
      // where a scanner opens it and submits the page's form, with no cookie of the attacker's.
      const email = 'victim@example.com';
      const { link, token } = await signUpInBrowser(email, ATTACKER_PASSWORD);
      const landing = await t.app.inject({ method: 'GET', url: pathOf(link) });
      assert.equal(landing.statusCode, 200);
      assert.match(landing.body, /opened in a different browser/);
      assert.match(landing.body, /type="password"/);

      const pressed = await formPost('/verify-email', { token });
      assert.equal(pressed.statusCode, 422);
      assert.match(pressed.body, /Password is required/);
      const guessed = await formPost('/verify-email', { token, password: PASSWORD });
      assert.equal(guessed.statusCode, 401);
      assert.match(guessed.body, /That password is not correct/);
      // Another browser's nonce is no better than none.
      const other = await signUpInBrowser('someone-else@example.com', PASSWORD);
      assert.equal((await formPost('/verify-email', { token }, other.cookie)).statusCode, 422);

      assert.equal(await isVerified(email), false);
      assert.equal(await tokenState(token), 'active', 'the link is still good for its owner');
    });

    test('in another browser, the right password confirms, and the wrong ones count as failed logins', async () => {
      const email = 'other-device@example.com';
      const { token } = await signUpInBrowser(email, PASSWORD);
      const max = t.config.limits.loginMaxFailures;
      for (let i = 1; i < max; i++) {
        assert.equal(
          (await formPost('/verify-email', { token, password: `wrong guess number ${i}` })).statusCode,
          401,
        );
      }
      // The guesses above spent the address's allowance but one; a failed login spends the last.
      const login = await t.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        payload: { email, password: 'nope' },
      });
      assert.equal(login.statusCode, 401);
      const locked = await formPost('/verify-email', { token, password: PASSWORD });
      assert.equal(locked.statusCode, 429);
      assert.ok(Number(locked.headers['retry-after']) > 0);
      assert.equal(await isVerified(email), false);

      t.clock.advance(t.config.limits.loginCooldownSeconds * 1000);
      const confirm = await formPost('/verify-email', { token, password: PASSWORD });
      assert.equal(confirm.statusCode, 303);
      assert.equal(await isVerified(email), true);
    });

    test('a link resent from another browser confirms with one click there', async () => {
      const email = 'resent@example.com';
      await signUpInBrowser(email, PASSWORD);
      const resend = await formPost('/verify-email/resend', { email });
      assert.equal(resend.statusCode, 303);
      const nonce = resend.cookies.find((c) => c.name === verifyCookieName(t.config))!;
      const token = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'verify_email')));
      const confirm = await formPost('/verify-email', { token }, `${nonce.name}=${nonce.value}`);
      assert.equal(confirm.statusCode, 303);
      assert.equal(await isVerified(email), true);
    });
  });
}
