import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSession } from '../src/accounts/sessions.ts';
import { insertUser } from './helpers/accounts.ts';
import { apiHeaders } from './helpers/app.ts';
import { BROWSER_SKIP, type Browsing, startBrowsing } from './helpers/browser.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * The other emailed links in a real browser: one-click unsubscribe from a newsletter, invitations
 * accepted by a newcomer and by someone already logged in, and a change of email confirmed from
 * the new address. Links are opened as they arrive in the email; assertions are on what shows.
 */

const PASSWORD = 'correct horse battery staple 42';

async function logIn(b: Browsing, email: string, password: string): Promise<void> {
  await b.page.goto(`${b.url}/login`);
  await b.page.fill('input[name=email]', email);
  await b.page.fill('input[name=password]', password);
  await b.page.click('button:has-text("Log in")');
  await b.page.waitForURL(`${b.url}/account`);
}

async function pageText(b: Browsing): Promise<string> {
  return (await b.page.innerText('main')).replace(/\s+/g, ' ');
}

/** An invitation sent by a verified user through the API, as an app's backend would. */
async function invite(b: Browsing, inviter: string, email: string): Promise<void> {
  const user = await insertUser(b.t.ctx, inviter, { password: PASSWORD });
  const { token } = await createSession(b.t.ctx, b.t.ctx.db, user.id);
  const answer = await b.t.app.inject({
    method: 'POST',
    url: '/v1/invitations',
    headers: { authorization: `Bearer ${token}` },
    payload: { email },
  });
  assert.equal(answer.statusCode, 201, answer.body);
}

async function grantsOf(b: Browsing, email: string) {
  return b.t.ctx.db
    .selectFrom('grants')
    .innerJoin('users', 'users.id', 'grants.user_id')
    .select(['grants.scope', 'grants.role'])
    .where('users.email', '=', email)
    .execute();
}

for (const { dialect, skip } of DIALECTS) {
  describe(`in a browser on ${dialect}: unsubscribe from a newsletter`, {
    skip: BROWSER_SKIP || skip,
  }, () => {
    test("the email's link shows one button; pressing it unsubscribes", async () => {
      const b = await startBrowsing(dialect, `${dialect}/unsubscribe`);
      const { page } = b;
      try {
        const email = 'reader@example.com';
        const user = await insertUser(b.t.ctx, email, { password: PASSWORD });
        const sent = await b.t.app.inject({
          method: 'POST',
          url: '/v1/newsletters',
          headers: apiHeaders,
          payload: { subject: 'Our news', text: 'Hello, readers.' },
        });
        assert.equal(sent.statusCode, 202, sent.body);
        const link = await b.link(email, 'newsletter', /^\/unsubscribe\?token=/);

        await page.goto(link);
        assert.equal(await b.heading(), 'Unsubscribe');
        assert.match(await pageText(b), /Stop receiving .* newsletters/);
        await b.shot('unsubscribe-page');
        const subscribed = async () =>
          (
            await b.t.ctx.db
              .selectFrom('users')
              .select('unsubscribed_at')
              .where('id', '=', user.id)
              .executeTakeFirstOrThrow()
          ).unsubscribed_at === null;
        assert.equal(await subscribed(), true, 'opening the link changed nothing');

        await page.click('button:has-text("Unsubscribe")');
        assert.equal(await b.heading(), 'You are unsubscribed');
        await b.shot('unsubscribed');
        assert.equal(await subscribed(), false);
      } finally {
        await b.close();
      }
    });
  });
}

for (const { dialect, skip } of DIALECTS) {
  describe(`in a browser on ${dialect}: invitations`, { skip: BROWSER_SKIP || skip }, () => {
    test('a newcomer accepts by choosing a password, and lands logged in on the account page', async () => {
      const b = await startBrowsing(dialect, `${dialect}/invitation-new-user`);
      const { page } = b;
      try {
        const invitee = 'newcomer@example.com';
        await invite(b, 'host@example.com', invitee);
        const link = await b.link(invitee, 'invitation', /^\/invite\?token=/);

        await page.goto(link);
        assert.equal(await b.heading(), 'You are invited');
        assert.match(await pageText(b), /host@example\.com invited newcomer@example\.com/);
        await b.shot('invitation');

        await page.fill('input[name=password]', 'short');
        await page.click('button:has-text("Create my account and accept")');
        assert.match((await page.textContent('.error')) ?? '', /at least 15 characters/);
        await b.shot('password-refused');

        await page.fill('input[name=password]', PASSWORD);
        await page.click('button:has-text("Create my account and accept")');
        await page.waitForURL(/\/account/);
        assert.equal(await b.heading(), 'Your account');
        const account = await pageText(b);
        assert.match(account, /newcomer@example\.com/);
        assert.match(account, /Email verified Yes/);
        await b.shot('account');
        assert.equal((await grantsOf(b, invitee)).length, 1);
      } finally {
        await b.close();
      }
    });

    test('someone with an account, logged in, accepts with one button', async () => {
      const b = await startBrowsing(dialect, `${dialect}/invitation-existing-user`);
      const { page } = b;
      try {
        const invitee = 'member@example.com';
        await insertUser(b.t.ctx, invitee, { password: PASSWORD });
        await invite(b, 'host@example.com', invitee);
        const link = await b.link(invitee, 'invitation', /^\/invite\?token=/);

        await page.goto(link);
        assert.equal(await b.heading(), 'You are invited');
        assert.match(await pageText(b), /already has an account/);
        await b.shot('asked-to-log-in');

        await logIn(b, invitee, PASSWORD);
        await page.goto(link);
        assert.equal(await b.heading(), 'You are invited');
        await b.shot('invitation-logged-in');
        assert.equal((await grantsOf(b, invitee)).length, 0, 'opening the link accepted nothing');

        await page.click('button:has-text("Accept the invitation")');
        await page.waitForURL(/\/account/);
        assert.equal(await b.heading(), 'Your account');
        await b.shot('accepted');
        assert.equal((await grantsOf(b, invitee)).length, 1);
      } finally {
        await b.close();
      }
    });
  });
}

for (const { dialect, skip } of DIALECTS) {
  describe(`in a browser on ${dialect}: change of email`, { skip: BROWSER_SKIP || skip }, () => {
    test('the link sent to the new address confirms it; the account shows the new address', async () => {
      const b = await startBrowsing(dialect, `${dialect}/change-email`);
      const { page } = b;
      try {
        const before = 'old-address@example.com';
        const after = 'new-address@example.com';
        await insertUser(b.t.ctx, before, { password: PASSWORD });
        await logIn(b, before, PASSWORD);
        await b.shot('account-before');

        // The request, from the logged-in browser (its session cookie) to the JSON API.
        const asked = await b.context.request.post(`${b.url}/v1/me/email`, {
          data: { newEmail: after, password: PASSWORD },
        });
        assert.equal(asked.status(), 202);
        const link = await b.link(after, 'email_change', /^\/confirm-email\?token=/);
        const notice = await b.inbox.last(b.t.ctx, before, 'email_change_notice');
        assert.doesNotMatch(notice.text, /token=/, 'the old address gets no link that completes the change');

        await page.goto(link);
        assert.equal(await b.heading(), 'Confirm your new email');
        assert.match(await pageText(b), /from old-address@example\.com to new-address@example\.com/);
        await b.shot('confirm-page');

        await page.click('button:has-text("Confirm the change")');
        await page.waitForURL(/\/account/);
        assert.equal(await b.heading(), 'Your account');
        assert.match(await pageText(b), /new-address@example\.com/);
        await b.shot('account-after');

        await page.goto(link);
        assert.notEqual(await b.heading(), 'Confirm your new email', 'the link works once');
        await b.shot('link-spent');
      } finally {
        await b.close();
      }
    });
  });
}
