import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { KEY_A } from './helpers/flows.ts';
import { type Inbox, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';

// Resends that don't strand the inbox: a verification resend keeps the earlier link working, and a
// reset request supersedes the earlier link, whose page and JSON error say so plainly.

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase for resends';

for (const { dialect, skip } of DIALECTS) {
  describe(`resends (${dialect})`, { skip }, () => {
    let inbox: Inbox;
    let t: TestApp;
    before(async () => {
      inbox = await startInbox();
      t = await startTestApp(dialect, { ...inbox.env, OTO_SIGNING_KEYS: KEY_A, RATE_LIMIT_PER_MINUTE: '0' });
    });
    after(async () => {
      await t?.close();
      await inbox?.close();
    });

    const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, payload });
    const formPost = (url: string, fields: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.config.publicUrl },
        payload: new URLSearchParams(fields).toString(),
      });

    test('a verification resend keeps the older link working; spending one spends both', async () => {
      const email = `keep-${dialect}@example.com`;
      await post('/v1/users', { email, password: PASSWORD });
      const first = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'verify_email')));
      t.clock.advance(60_000);
      assert.equal((await post('/v1/users/verify/resend', { email })).statusCode, 202);
      const mails = await inbox.to(t.ctx, email, 'verify_email');
      assert.equal(mails.length, 2);
      const second = tokenOf(tokenLink(mails[1]!));
      assert.notEqual(first, second);

      const inspect = async (token: string) =>
        (await t.ctx.tokens.inspect(t.ctx.db, 'verify_email', token)).state;
      assert.equal(await inspect(first), 'active', 'the link in the first email still works');
      assert.equal(await inspect(second), 'active');

      const verified = await post('/v1/users/verify', { token: first });
      assert.deepEqual(verified.json(), { status: 'verified' });
      assert.equal(await inspect(second), 'revoked', 'the verification spent the other link too');
      const late = await post('/v1/users/verify', { token: second });
      assert.equal(late.statusCode, 410);
    });

    test('a superseded reset link: 410 token_superseded in JSON, and its own page with a button for one more', async () => {
      const email = `superseded-${dialect}@example.com`;
      await post('/v1/users', { email, password: PASSWORD });
      const verifyToken = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'verify_email')));
      await post('/v1/users/verify', { token: verifyToken });

      await post('/v1/password-resets', { email });
      const first = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'password_reset')));
      t.clock.advance(60_000);
      await post('/v1/password-resets', { email });
      const newerAt = new Date(t.clock.now()).toISOString().slice(11, 16);
      const second = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'password_reset')));

      const json = await post('/v1/password-resets/confirm', { token: first, password: NEW_PASSWORD });
      assert.equal(json.statusCode, 410);
      assert.equal(json.json().code, 'token_superseded');
      assert.match(json.json().detail, /newer link/);
      assert.ok(!json.body.includes(email), 'the answer names no address');

      const page = await t.app.inject({ method: 'GET', url: `/reset-password?token=${first}` });
      assert.equal(page.statusCode, 410);
      assert.match(page.body, new RegExp(`A newer link was sent at ${newerAt} UTC; use the latest email`));
      assert.match(page.body, /action="\/reset-password\/resend"/);
      // Not the page of an expired link.
      t.clock.advance(t.config.tokenTtl.password_reset * 1000 + 1000);
      const expired = await t.app.inject({ method: 'GET', url: `/reset-password?token=${second}` });
      assert.match(expired.body, /This link has expired/);
      assert.doesNotMatch(expired.body, /A newer link was sent/);

      const before = (await inbox.to(t.ctx, email, 'password_reset')).length;
      const resend = await formPost('/reset-password/resend', { token: first });
      assert.equal(resend.statusCode, 303);
      const after = await inbox.to(t.ctx, email, 'password_reset');
      assert.equal(after.length, before + 1, 'one more link was sent');
      const third = tokenOf(tokenLink(after.at(-1)!));
      const reset = await post('/v1/password-resets/confirm', { token: third, password: NEW_PASSWORD });
      assert.equal(reset.statusCode, 200);
    });

    test('a used reset link is still "used", not superseded', async () => {
      const email = `used-${dialect}@example.com`;
      await post('/v1/users', { email, password: PASSWORD });
      await post('/v1/password-resets', { email });
      const token = tokenOf(tokenLink(await inbox.last(t.ctx, email, 'password_reset')));
      assert.equal(
        (await post('/v1/password-resets/confirm', { token, password: NEW_PASSWORD })).statusCode,
        200,
      );
      const again = await post('/v1/password-resets/confirm', { token, password: 'one more new passphrase' });
      assert.equal(again.json().code, 'token_used');
    });
  });
}
