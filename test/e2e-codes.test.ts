import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BROWSER_SKIP, startBrowsing } from './helpers/browser.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * "Enter the code instead" in a real browser: with VERIFY_EMAIL_METHOD=both, a person signs up,
 * reads the code in the email as delivered over SMTP, and types it (pasted with its space) on
 * /verify-email instead of following the link; a wrong code first gets a plain refusal.
 */

const PASSWORD = 'correct horse battery staple 42';

for (const { dialect, skip } of DIALECTS) {
  describe(`in a browser on ${dialect}: confirm the address with the emailed code`, {
    skip: BROWSER_SKIP || skip,
  }, () => {
    test('sign up, type the code on /verify-email, log in', async () => {
      const b = await startBrowsing(dialect, `${dialect}/codes`, { VERIFY_EMAIL_METHOD: 'both' });
      const { page } = b;
      try {
        const email = 'grace@example.com';
        await page.goto(`${b.url}/signup`);
        await page.fill('input[name=email]', email);
        await page.fill('input[name=password]', PASSWORD);
        await page.click('button[type=submit]');
        await page.waitForURL(`${b.url}/signup?sent=1`);
        await page.click('a:has-text("Enter the code instead")');
        await page.waitForURL(`${b.url}/verify-email#code`);

        const codeInput = page.locator('input[name=code]');
        assert.equal(await codeInput.getAttribute('inputmode'), 'numeric');
        assert.equal(await codeInput.getAttribute('autocomplete'), 'one-time-code');
        await b.shot('code-form');

        const mail = await b.inbox.last(b.t.ctx, email, 'verify_email');
        const shown = /code: (\d{3} \d{3})/.exec(mail.text)?.[1];
        assert.ok(shown, 'the email text holds the code');

        const wrong = shown.replace(/^./, (d) => String((Number(d) + 1) % 10));
        await page.fill('#code input[name=email]', email);
        await page.fill('input[name=code]', wrong);
        await page.click('#code button[type=submit]');
        assert.match((await page.textContent('[role=alert]')) ?? '', /That code is not valid/);
        // The address typed is kept; the code is typed again.
        assert.equal(await page.inputValue('#code input[name=email]'), email);
        await b.shot('wrong-code');

        await page.fill('input[name=code]', shown);
        await page.click('#code button[type=submit]');
        await page.waitForURL(`${b.url}/login?verified=1`);
        assert.match((await page.textContent('[role=status]')) ?? '', /Your email is confirmed/);
        await b.shot('confirmed');

        await page.fill('input[name=email]', email);
        await page.fill('input[name=password]', PASSWORD);
        await page.click('button:has-text("Log in")');
        await page.waitForURL(`${b.url}/account`);
      } finally {
        await b.close();
      }
    });
  });
}
