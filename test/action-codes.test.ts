import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSession } from '../src/accounts/sessions.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { insertUser, KEY_A } from './helpers/flows.ts';
import { type Inbox, type Mail, startInbox } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';

// The sensitive actions of an account without a password: a code emailed for that one action, in
// place of the current password, under the codes' budget rules.

function codeIn(mail: Mail): string {
  const match = /code: (\d{3} \d{3})/.exec(mail.text);
  if (match === null) throw new Error(`no code in ${mail.kind}:\n${mail.text}`);
  return match[1]!.replace(' ', '');
}

const otherCode = (digits: string) => digits.replace(/^./, (d) => String((Number(d) + 1) % 10));

for (const { dialect, skip } of DIALECTS) {
  describe(`action codes for accounts without a password (${dialect})`, { skip }, () => {
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

    async function passwordless(email: string) {
      const user = await insertUser(t.ctx, email, { passwordHash: null });
      const sessions: string[] = [];
      for (let i = 0; i < 2; i++) sessions.push((await createSession(t.ctx, t.ctx.db, user.id)).token);
      const as = (method: 'POST' | 'DELETE', url: string, payload: object) =>
        t.app.inject({ method, url, payload, headers: { authorization: `Bearer ${sessions[0]}` } });
      return { user, sessions, as };
    }

    async function codeFor(
      as: Awaited<ReturnType<typeof passwordless>>['as'],
      email: string,
      action: string,
    ) {
      t.clock.advance(1000);
      const res = await as('POST', '/v1/me/action-codes', { action });
      assert.equal(res.statusCode, 202);
      const mail = await inbox.last(t.ctx, email, 'action_code');
      assert.ok(!mail.subject.includes(codeIn(mail)));
      return codeIn(mail);
    }

    test('log out of other devices with the emailed code; a code for another action does nothing', async () => {
      const email = `others-${dialect}@example.com`;
      const { as, sessions } = await passwordless(email);
      const withPassword = await as('POST', '/v1/me/sessions/revoke-others', { currentPassword: 'anything' });
      assert.equal(withPassword.statusCode, 400);
      assert.equal(withPassword.json().code, 'code_invalid');
      const forDeletion = await codeFor(as, email, 'delete_account');
      const wrongAction = await as('POST', '/v1/me/sessions/revoke-others', { code: forDeletion });
      assert.equal(wrongAction.json().code, 'code_invalid');
      const code = await codeFor(as, email, 'revoke_other_sessions');
      const res = await as('POST', '/v1/me/sessions/revoke-others', { code });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { revoked: 1 });
      const other = await t.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { authorization: `Bearer ${sessions[1]}` },
      });
      assert.equal(other.statusCode, 401);
      assert.equal((await as('POST', '/v1/me/sessions/revoke-others', { code })).json().code, 'code_invalid');
    });

    test('change of email with the code; without it nothing is mailed to the new address', async () => {
      const email = `change-${dialect}@example.com`;
      const newEmail = `changed-${dialect}@example.com`;
      const { as } = await passwordless(email);
      const refused = await as('POST', '/v1/me/email', { newEmail, code: '000000' });
      assert.equal(refused.json().code, 'code_invalid');
      assert.deepEqual(await inbox.to(t.ctx, newEmail), []);
      const code = await codeFor(as, email, 'change_email');
      const res = await as('POST', '/v1/me/email', { newEmail, code });
      assert.equal(res.statusCode, 202);
      await inbox.last(t.ctx, newEmail, 'email_change');
    });

    test('set a first password with the code for it; then log in with it', async () => {
      const email = `first-password-${dialect}@example.com`;
      const { as } = await passwordless(email);
      const newPassword = 'a first passphrase for this account';
      const without = await as('POST', '/v1/me/password', { newPassword, code: '000000' });
      assert.equal(without.json().code, 'code_invalid');
      const code = await codeFor(as, email, 'change_password');
      const res = await as('POST', '/v1/me/password', { newPassword, code });
      assert.equal(res.statusCode, 200);
      const login = await t.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        payload: { email, password: newPassword },
      });
      assert.equal(login.statusCode, 200);
      assert.equal(login.json().user.hasPassword, true);
    });

    test('delete the account with its code; 5 wrong codes revoke it first', async () => {
      const email = `delete-${dialect}@example.com`;
      const { as, user } = await passwordless(email);
      const first = await codeFor(as, email, 'delete_account');
      for (let i = 0; i < 5; i++) {
        const wrong = await as('DELETE', '/v1/me', { code: otherCode(first) });
        assert.equal(wrong.json().code, 'code_invalid');
      }
      assert.equal((await as('DELETE', '/v1/me', { code: first })).json().code, 'code_invalid');
      const still = await t.ctx.db
        .selectFrom('users')
        .select('id')
        .where('id', '=', user.id)
        .executeTakeFirst();
      assert.ok(still, 'nothing was deleted');
    });

    test('delete the account with the right code', async () => {
      const email = `delete-ok-${dialect}@example.com`;
      const { as, user } = await passwordless(email);
      const code = await codeFor(as, email, 'delete_account');
      const res = await as('DELETE', '/v1/me', { code });
      assert.equal(res.statusCode, 204);
      const gone = await t.ctx.db
        .selectFrom('users')
        .select('id')
        .where('id', '=', user.id)
        .executeTakeFirst();
      assert.equal(gone, undefined);
    });

    test('an account with a password cannot ask for codes, and its password is still required', async () => {
      const user = await insertUser(t.ctx, `has-password-${dialect}@example.com`, { passwordHash: 'x' });
      const { token } = await createSession(t.ctx, t.ctx.db, user.id);
      const headers = { authorization: `Bearer ${token}` };
      const ask = await t.app.inject({
        method: 'POST',
        url: '/v1/me/action-codes',
        payload: { action: 'delete_account' },
        headers,
      });
      assert.equal(ask.statusCode, 400);
      assert.equal(ask.json().code, 'code_not_accepted');
      const del = await t.app.inject({
        method: 'DELETE',
        url: '/v1/me',
        payload: { code: '123456' },
        headers,
      });
      assert.equal(del.statusCode, 422);
    });
    test('the /account/delete page offers "Email me a code" and deletes with the code', async () => {
      const email = `page-${dialect}@example.com`;
      const { sessions, user } = await passwordless(email);
      const cookies = { [t.config.sessions.cookieName]: sessions[0]! };
      const headers = { origin: t.config.publicUrl };
      const form = await t.app.inject({ method: 'GET', url: '/account/delete', cookies });
      assert.match(
        form.body,
        /name="code"[^>]*autocomplete="one-time-code"|autocomplete="one-time-code"[^>]*/,
      );
      assert.match(form.body, /Email me a code/);
      assert.doesNotMatch(form.body, /name="currentPassword"/);
      t.clock.advance(1000);
      const asked = await t.app.inject({
        method: 'POST',
        url: '/account/action-code',
        payload: { action: 'delete_account' },
        cookies,
        headers,
      });
      assert.equal(asked.statusCode, 303);
      assert.equal(asked.headers.location, '/account/delete?code_sent=1');
      const code = codeIn(await inbox.last(t.ctx, email, 'action_code'));
      const wrong = await t.app.inject({
        method: 'POST',
        url: '/account/delete',
        payload: { code: otherCode(code) },
        cookies,
        headers,
      });
      assert.equal(wrong.statusCode, 400);
      assert.match(wrong.body, /That code is not valid/);
      const res = await t.app.inject({
        method: 'POST',
        url: '/account/delete',
        payload: { code },
        cookies,
        headers,
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/account/deleted');
      const gone = await t.ctx.db
        .selectFrom('users')
        .select('id')
        .where('id', '=', user.id)
        .executeTakeFirst();
      assert.equal(gone, undefined);
    });
  });
}
