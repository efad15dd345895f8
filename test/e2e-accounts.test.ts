import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { insertUser } from './helpers/accounts.ts';
import { BROWSER_SKIP, startBrowsing } from './helpers/browser.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * A person in a real browser: signing up, confirming the address from the email, logging in and
 * out; forgetting the password and setting a new one from the emailed link. Links are opened
 * exactly as they arrive in the email; the test asserts what the person sees.
 */

const PASSWORD = 'correct horse battery staple 42';

for (const { dialect, skip } of DIALECTS) {
  describe(`in a browser on ${dialect}: sign up, confirm, log in, log out`, {
    skip: BROWSER_SKIP || skip,
  }, () => {
    test('the whole path, as a person sees it', async () => {
      const b = await startBrowsing(dialect, `${dialect}/signup`);
      const { page } = b;
      try {
        const email = 'ada@example.com';
        await page.goto(`${b.url}/signup`);
        assert.equal(await b.heading(), 'Create an account');
        await page.fill('input[name=email]', email);
        await page.fill('input[name=password]', PASSWORD);
        await b.shot('signup-form');
        await page.click('button[type=submit]');
        await page.waitForURL(`${b.url}/signup?sent=1`);
        assert.equal(await b.heading(), 'Check your email');
        await b.shot('check-your-email');

        const link = await b.link(email, 'verify_email', /^\/verify-email\?token=/);
        await page.goto(link);
        assert.equal(await b.heading(), 'Confirm your email');
        await b.shot('confirm-page');
        // Opening the link confirmed nothing: a mail scanner's GET must not.
        const before = await b.t.ctx.db
          .selectFrom('users')
          .select('email_verified_at')
          .executeTakeFirstOrThrow();
        assert.equal(before.email_verified_at, null);

        await page.click('button:has-text("Confirm my email")');
        await page.waitForURL(`${b.url}/login?verified=1`);
        assert.equal(await b.heading(), 'Log in');
        assert.match((await page.textContent('[role=status]')) ?? '', /Your email is confirmed/);
        await b.shot('confirmed-login');

        await page.fill('input[name=email]', email);
        await page.fill('input[name=password]', PASSWORD);
        await page.click('button:has-text("Log in")');
        await page.waitForURL(`${b.url}/account`);
        assert.equal(await b.heading(), 'Your account');
        const account = (await page.textContent('main')) ?? (await page.textContent('body')) ?? '';
        assert.match(account, /ada@example\.com/);
        assert.match(account, /Email verified\s*Yes/);
        await b.shot('account');

        await page.click('button:has-text("Log out")');
        await page.waitForURL(`${b.url}/login?logged_out=1`);
        assert.match((await page.textContent('[role=status]')) ?? '', /You are logged out/);
        await b.shot('logged-out');
        await page.goto(`${b.url}/account`);
        await page.waitForURL(`${b.url}/login`);
      } finally {
        await b.close();
      }
    });
  });
}

for (const { dialect, skip } of DIALECTS) {
  describe(`in a browser on ${dialect}: a link opened somewhere else`, { skip: BROWSER_SKIP || skip }, () => {
    test('a scanner idling on the link and pressing its button confirms nothing; the password does', async () => {
      const b = await startBrowsing(dialect, `${dialect}/verify-elsewhere`);
      const { page } = b;
      const verified = async () =>
        (await b.t.ctx.db.selectFrom('users').select('email_verified_at').executeTakeFirstOrThrow())
          .email_verified_at !== null;
      try {
        const email = 'linus@example.com';
        await page.goto(`${b.url}/signup`);
        await page.fill('input[name=email]', email);
        await page.fill('input[name=password]', PASSWORD);
        await page.click('button[type=submit]');
        await page.waitForURL(`${b.url}/signup?sent=1`);

        // Another browser: a mail scanner with JavaScript on, or the person's phone.
        await b.context.clearCookies();
        await page.goto(await b.link(email, 'verify_email', /^\/verify-email\?token=/));
        assert.equal(await b.heading(), 'Confirm your email');
        await page.waitForTimeout(10_000);
        assert.equal(await verified(), false, 'idling on the page confirmed the address');
        await page.click('button:has-text("Confirm my email")');
        assert.match((await page.textContent('main')) ?? '', /Password is required/);
        await b.shot('password-asked');
        assert.equal(await verified(), false, 'pressing the button without the password confirmed it');

        await page.fill('input[name=password]', PASSWORD);
        await page.click('button:has-text("Confirm my email")');
        await page.waitForURL(`${b.url}/login?verified=1`);
        assert.equal(await verified(), true);
      } finally {
        await b.close();
      }
    });
  });
}

for (const { dialect, skip } of DIALECTS) {
  describe(`in a browser on ${dialect}: forgot password`, { skip: BROWSER_SKIP || skip }, () => {
    test('a refused password keeps the link usable; the new password logs in, the old does not', async () => {
      const b = await startBrowsing(dialect, `${dialect}/forgot-password`);
      const { page } = b;
      try {
        const email = 'grace@example.com';
        await insertUser(b.t.ctx, email, { password: 'the old password nobody remembers' });
        await page.goto(`${b.url}/login`);
        await page.click('a:has-text("Forgot your password?")');
        await page.waitForURL(`${b.url}/forgot-password`);
        await page.fill('input[name=email]', email);
        await b.shot('forgot-form');
        await page.click('button[type=submit]');
        await page.waitForURL(`${b.url}/forgot-password?sent=1`);
        assert.match(
          (await page.textContent('[role=status]')) ?? '',
          /a link to reset its password is on its way/,
        );
        await b.shot('link-sent');

        const link = await b.link(email, 'password_reset', /^\/reset-password\?token=/);
        await page.goto(link);
        assert.equal(await b.heading(), 'Choose a new password');
        await b.shot('new-password-form');

        await page.fill('input[name=password]', 'too short');
        await page.click('button[type=submit]');
        assert.equal(await b.heading(), 'Choose a new password');
        assert.match((await page.textContent('.error')) ?? '', /at least 15 characters/);
        await b.shot('too-short');

        // The same form, the same link: it still works.
        await page.fill('input[name=password]', PASSWORD);
        await page.click('button[type=submit]');
        await page.waitForURL(`${b.url}/login?reset=1`);
        assert.match((await page.textContent('[role=status]')) ?? '', /Your password was changed/);
        await b.shot('password-changed');

        await page.fill('input[name=email]', email);
        await page.fill('input[name=password]', 'the old password nobody remembers');
        await page.click('button:has-text("Log in")');
        assert.match((await page.textContent('[role=alert]')) ?? '', /The email or password is not correct/);
        await b.shot('old-password-refused');

        await page.fill('input[name=password]', PASSWORD);
        await page.click('button:has-text("Log in")');
        await page.waitForURL(`${b.url}/account`);
        assert.equal(await b.heading(), 'Your account');
        await b.shot('logged-in');

        // The link is spent: opening it again says so.
        await page.goto(link);
        assert.equal(await b.heading(), 'This link cannot be used');
        await b.shot('link-spent');
      } finally {
        await b.close();
      }
    });
  });
}
