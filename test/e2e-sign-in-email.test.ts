import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { insertUser } from './helpers/accounts.ts';
import { BROWSER_SKIP, startBrowsing } from './helpers/browser.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * Sign-in by email in real browsers, from the email as delivered over SMTP: browser A asks on
 * /login; the link opened in A signs in with one button. Opened in another browser B, the link does
 * not sign in by itself: B's page says the sign-in was requested elsewhere, at what time. Typing the
 * code from the email in A signs A in.
 */

for (const { dialect, skip } of DIALECTS) {
  describe(`in a browser on ${dialect}: sign in by email`, { skip: BROWSER_SKIP || skip }, () => {
    test('A asks and signs in with the link; B sees "requested elsewhere"; the code signs A in', async () => {
      const b = await startBrowsing(dialect, `${dialect}/sign-in-email`, { SIGN_IN_EMAIL: 'true' });
      const { page } = b;
      try {
        const email = 'ada@example.com';
        await insertUser(b.t.ctx, email);
        const ask = async () => {
          b.t.clock.advance(1000); // so that the newest email is the last one asked for
          await page.goto(`${b.url}/login`);
          await page.fill('#f-sign-in-email', email);
          await page.click('button:has-text("Email me a sign-in link")');
          await page.waitForURL(`${b.url}/sign-in/email?sent=1`);
        };

        await ask();
        assert.equal(await b.heading(), 'Check your inbox');
        const codeInput = page.locator('input[name=code]');
        assert.equal(await codeInput.getAttribute('inputmode'), 'numeric');
        assert.equal(await codeInput.getAttribute('autocomplete'), 'one-time-code');
        await b.shot('check-inbox');

        const link = await b.link(email, 'sign_in', /^\/sign-in\/email\?token=/);
        await page.goto(link);
        assert.equal(await b.heading(), 'Sign in');
        await b.shot('link-same-browser');
        await page.click('button:has-text("Sign in")');
        await page.waitForURL(`${b.url}/account`);
        assert.match((await page.textContent('main')) ?? '', new RegExp(email));
        await b.shot('signed-in');

        // A second request, opened in a browser that did not ask.
        await page.context().clearCookies();
        await ask();
        const second = await b.link(email, 'sign_in', /^\/sign-in\/email\?token=/);
        const other = await b.anotherBrowser();
        await other.goto(second);
        const text = (await other.textContent('main')) ?? '';
        assert.match(text, /requested in another browser, at \d\d:\d\d UTC/);
        assert.ok(await other.isVisible('button:has-text("Yes, sign me in here, I requested this at")'));
        const sessions = await b.t.ctx.db.selectFrom('sessions').select('id').execute();
        assert.equal(sessions.length, 1, 'opening the link elsewhere signed nobody in');
        await other.screenshot({ path: 'artifacts/e2e/' + `${dialect}/sign-in-email/other-browser.png` });

        // Back in A: the code from the same email.
        const mail = await b.inbox.last(b.t.ctx, email, 'sign_in');
        const shown = /code: (\d{3} \d{3})/.exec(mail.text)?.[1];
        assert.ok(shown, 'the email text holds the code');
        await page.fill('#code input[name=email]', email);
        await page.fill('input[name=code]', shown);
        await page.click('#code button[type=submit]');
        await page.waitForURL(`${b.url}/account`);
        await b.shot('signed-in-by-code');
      } finally {
        await b.close();
      }
    });
  });
}
