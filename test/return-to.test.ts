import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSession } from '../src/accounts/sessions.ts';
import { insertUser } from './helpers/accounts.ts';
import { PUBLIC_URL, startTestApp, type TestApp } from './helpers/app.ts';
import { BROWSER_SKIP, type Browsing, startBrowsing } from './helpers/browser.ts';

/**
 * A link page that needs a session (confirming a change of email, accepting an invitation with an
 * existing account) sends a logged-out user to log in and back again (src/http/pages/return-to.ts).
 * The way back is a value in a URL anyone can craft, so every shape a browser could read as
 * another site is refused, and the user lands on /account instead.
 */

const PASSWORD = 'correct horse battery staple 42';

const REFUSED = [
  '//evil.example',
  '//evil.example/account',
  '/\\evil.example',
  '\\\\evil.example',
  '/\\/evil.example',
  'https://evil.example/',
  'http:evil.example',
  'evil.example',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  ' //evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '%2F%2Fevil.example',
  '/%2F%2Fevil.example',
  '/%2fevil.example',
  '/%5Cevil.example',
  '%252F%252Fevil.example',
  '/%25252F%25252Fevil.example',
  '/%09/evil.example',
  '/%E0%A4%A',
  `/${'a'.repeat(3000)}`,
];

const ACCEPTED: Array<[given: string, returned: string]> = [
  ['/account', '/account'],
  ['/confirm-email?token=abc_DEF-123', '/confirm-email?token=abc_DEF-123'],
  ['/notes?filter=mine&page=2', '/notes?filter=mine&page=2'],
  ['/a/../invite?token=x', '/invite?token=x'],
];

describe('return-to after logging in', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite', { RATE_LIMIT_PER_MINUTE: '0' });
    await insertUser(t.ctx, 'back@example.com', { password: PASSWORD });
  });
  after(() => t?.close());

  const logIn = (returnTo: string) => {
    t.clock.advance(1000);
    return t.app.inject({
      method: 'POST',
      url: '/login',
      payload: new URLSearchParams({
        email: 'back@example.com',
        password: PASSWORD,
        return_to: returnTo,
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL },
    });
  };

  test('a value that could leave the site is dropped by the login page and refused by its POST', async () => {
    for (const value of REFUSED) {
      const form = await t.app.inject({
        method: 'GET',
        url: `/login?return_to=${encodeURIComponent(value)}`,
      });
      assert.equal(form.statusCode, 200, value);
      assert.doesNotMatch(form.body, /name="return_to"/, `the form does not carry ${JSON.stringify(value)}`);
      const res = await logIn(value);
      assert.equal(res.statusCode, 303, value);
      assert.equal(
        res.headers.location,
        '/account',
        `logging in with ${JSON.stringify(value)} goes to /account`,
      );
    }
  });

  test('a path on the site is carried through the form and returned to, as the URL parser writes it', async () => {
    for (const [given, returned] of ACCEPTED) {
      const form = await t.app.inject({
        method: 'GET',
        url: `/login?return_to=${encodeURIComponent(given)}`,
      });
      const hidden = form.body.match(/name="return_to" value="([^"]*)"/);
      assert.ok(hidden, `the form carries ${given}`);
      assert.equal(hidden[1]!.replaceAll('&amp;', '&'), returned);
      const res = await logIn(given);
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, returned);
    }
  });

  test('a failed login keeps the way back in the form it shows again', async () => {
    t.clock.advance(1000);
    const res = await t.app.inject({
      method: 'POST',
      url: '/login',
      payload: new URLSearchParams({
        email: 'back@example.com',
        password: 'wrong',
        return_to: '/account?x=1',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL },
    });
    assert.equal(res.statusCode, 401);
    assert.match(res.body, /name="return_to" value="\/account\?x=1"/);
  });

  test('the value is not written to the request log', async () => {
    await t.app.inject({
      method: 'GET',
      url: '/login?return_to=%2Fconfirm-email%3Ftoken%3Dsecret-looking-value',
    });
    assert.doesNotMatch(t.logs.text(), /secret-looking-value/);
  });
});

async function logInHere(b: Browsing, email: string): Promise<void> {
  await b.page.fill('input[name=email]', email);
  await b.page.fill('input[name=password]', PASSWORD);
  await b.page.click('button:has-text("Log in")');
}

describe('in a browser: return-to after logging in', { skip: BROWSER_SKIP }, () => {
  test('a logged-out user who opens a change-of-email link logs in and comes back to confirm it', async () => {
    const b = await startBrowsing('sqlite', 'return-to/change-email');
    const { page } = b;
    try {
      const user = await insertUser(b.t.ctx, 'was@example.com', { password: PASSWORD });
      const { token } = await createSession(b.t.ctx, b.t.ctx.db, user.id);
      const asked = await b.t.app.inject({
        method: 'POST',
        url: '/v1/me/email',
        headers: { authorization: `Bearer ${token}` },
        payload: { newEmail: 'now@example.com', password: PASSWORD },
      });
      assert.equal(asked.statusCode, 202, asked.body);
      const link = await b.link('now@example.com', 'email_change', /^\/confirm-email\?token=/);

      await page.goto(link);
      assert.equal(await b.heading(), 'Log in to confirm');
      await b.shot('asked-to-log-in');
      await page.click('main a:has-text("log in")');
      assert.equal(await b.heading(), 'Log in');
      await logInHere(b, 'was@example.com');
      await page.waitForURL(link);
      assert.equal(await b.heading(), 'Confirm your new email');
      await b.shot('back-on-the-link-page');

      await page.click('button:has-text("Confirm the change")');
      await page.waitForURL(`${b.url}/account?email_changed=1`);
      assert.match(await page.innerText('main'), /now@example\.com/);
    } finally {
      await b.close();
    }
  });

  test('a logged-out user invited with an existing account logs in and comes back to accept', async () => {
    const b = await startBrowsing('sqlite', 'return-to/invitation');
    const { page } = b;
    try {
      const inviter = await insertUser(b.t.ctx, 'host@example.com', { password: PASSWORD });
      await insertUser(b.t.ctx, 'guest@example.com', { password: PASSWORD });
      const { token } = await createSession(b.t.ctx, b.t.ctx.db, inviter.id);
      const invited = await b.t.app.inject({
        method: 'POST',
        url: '/v1/invitations',
        headers: { authorization: `Bearer ${token}` },
        payload: { email: 'guest@example.com' },
      });
      assert.equal(invited.statusCode, 201, invited.body);
      const link = await b.link('guest@example.com', 'invitation', /^\/invite\?token=/);

      await page.goto(link);
      assert.equal(await b.heading(), 'You are invited');
      await page.click('main a:has-text("log in")');
      await logInHere(b, 'guest@example.com');
      await page.waitForURL(link);
      assert.equal(await b.heading(), 'You are invited');
      await b.shot('back-on-the-invitation');
      await page.click('button:has-text("Accept the invitation")');
      await page.waitForURL(`${b.url}/account?invited=1`);
    } finally {
      await b.close();
    }
  });

  test('each value that could leave the site is refused: logging in lands on /account here', async () => {
    const b = await startBrowsing('sqlite', 'return-to/refused', { RATE_LIMIT_PER_MINUTE: '0' });
    const { page } = b;
    try {
      await insertUser(b.t.ctx, 'stay@example.com', { password: PASSWORD });
      for (const value of REFUSED) {
        await page.goto(`${b.url}/login?return_to=${encodeURIComponent(value)}`);
        await logInHere(b, 'stay@example.com');
        await page.waitForURL(`${b.url}/account`);
        assert.equal(await b.heading(), 'Your account', JSON.stringify(value));
      }
      // Put in the form by hand, as a crafted page would post them, they fare no better (the POST's
      // own check is tested with every value above, without a browser).
      for (const value of [
        '//evil.example',
        '/\\evil.example',
        'https://evil.example/',
        'javascript:alert(1)',
        '/%2F%2Fevil.example',
      ]) {
        await page.goto(`${b.url}/login`);
        // A string, run in the page: the test's own types have no DOM.
        await page.evaluate(`{
          const input = document.createElement('input');
          input.type = 'hidden';
          input.name = 'return_to';
          input.value = ${JSON.stringify(value)};
          document.querySelector('form[action="/login"]').append(input);
        }`);
        await logInHere(b, 'stay@example.com');
        await page.waitForURL(`${b.url}/account`);
        assert.equal(new URL(page.url()).origin, b.url, JSON.stringify(value));
      }
    } finally {
      await b.close();
    }
  });
});
