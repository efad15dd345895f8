import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { insertUser } from './helpers/accounts.ts';
import { BROWSER_SKIP, type Browsing, startBrowsing } from './helpers/browser.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * The account page's security sections in a real browser: the same person logged in from two
 * browsers; one logs the other out from /account, and the other's next page is the login page. Then
 * the password is changed from the form, and the other browser, logged in again, is out once more.
 */

const PASSWORD = 'correct horse battery staple 42';
const NEW_PASSWORD = 'seven purple walruses sing again';

async function logIn(b: Browsing, page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${b.url}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button:has-text("Log in")');
  await page.waitForURL(`${b.url}/account`);
}

async function heading(page: Page): Promise<string> {
  return ((await page.textContent('h1')) ?? '').trim();
}

for (const { dialect, skip } of DIALECTS) {
  describe(`in a browser on ${dialect}: sessions and password on /account`, {
    skip: BROWSER_SKIP || skip,
  }, () => {
    test('one browser logs the other out from /account; the other lands on the login page', async () => {
      const b = await startBrowsing(dialect, `${dialect}/account-security`);
      try {
        const email = 'two-devices@example.com';
        await insertUser(b.t.ctx, email, { password: PASSWORD });
        const laptop = b.page;
        const phone = await b.anotherBrowser();
        await logIn(b, laptop, email, PASSWORD);
        await logIn(b, phone, email, PASSWORD);

        await laptop.reload();
        const items = laptop.locator('ul.sessions li');
        assert.equal(await items.count(), 2);
        assert.match(
          (await items.nth(0).innerText()).replace(/\s+/g, ' '),
          /Chrome on Linux \(this device\)/,
        );
        assert.equal(await items.nth(0).locator('button').count(), 0, 'no Log out button on this device');
        await b.shot('two-sessions');

        await items.nth(1).locator('button:has-text("Log out")').click();
        await laptop.waitForURL(`${b.url}/account?session_revoked=1`);
        assert.match(await laptop.innerText('main'), /That device was logged out/);
        assert.equal(await laptop.locator('ul.sessions li').count(), 1);
        await b.shot('other-logged-out');

        await phone.reload();
        await phone.waitForURL(`${b.url}/login`);
        assert.equal(await heading(phone), 'Log in', "the other browser's next page is the login page");

        // The password form: a wrong current password is shown on the form; the right one changes it
        // and logs the other browser out again, while this one stays.
        await logIn(b, phone, email, PASSWORD);
        await laptop.goto(`${b.url}/account`);
        await laptop.fill('input[name=currentPassword]', 'not the password at all');
        await laptop.fill('input[name=newPassword]', NEW_PASSWORD);
        await laptop.click('button:has-text("Change my password")');
        assert.equal(await heading(laptop), 'Change your password');
        assert.match(await laptop.innerText('main'), /Current password is not correct\./);
        assert.equal(await laptop.inputValue('input[name=newPassword]'), '', 'passwords are never echoed');
        await b.shot('wrong-current-password');

        await laptop.fill('input[name=currentPassword]', PASSWORD);
        await laptop.fill('input[name=newPassword]', NEW_PASSWORD);
        await laptop.click('button:has-text("Change my password")');
        await laptop.waitForURL(`${b.url}/account?password_changed=1`);
        assert.match(await laptop.innerText('main'), /Your password was changed/);
        await b.shot('password-changed');

        await phone.goto(`${b.url}/account`);
        await phone.waitForURL(`${b.url}/login`);
        await logIn(b, phone, email, NEW_PASSWORD);
        assert.equal(await heading(phone), 'Your account');

        // Log out of all other devices, with the password.
        await laptop.goto(`${b.url}/account`);
        await laptop.fill('input[name=password]', NEW_PASSWORD);
        await laptop.click('button:has-text("Log out of all other devices")');
        await laptop.waitForURL(`${b.url}/account?others_revoked=1`);
        assert.match(await laptop.innerText('main'), /Logged out of all other devices \(1 session\)/);
        await phone.goto(`${b.url}/account`);
        await phone.waitForURL(`${b.url}/login`);
        assert.match(await b.link(email, 'password_changed', /^\/forgot-password$/), /\/forgot-password$/);
      } finally {
        await b.close();
      }
    });
  });
}
