import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTransport } from '../src/mail/transport.ts';
import { unsubscribeToken } from '../src/newsletter/subscription.ts';
import { insertUser } from './helpers/accounts.ts';
import { apiHeaders, startTestApp, type TestApp } from './helpers/app.ts';
import { KEY_A } from './helpers/flows.ts';
import { type Inbox, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { deliverDue, dumpDatabase } from './helpers/mail.ts';
import { DIALECTS } from './helpers/storage.ts';

const PASSWORD = 'correct horse battery staple';

/**
 * DELETE /v1/me and the /account/delete page (src/accounts/account-deletion.ts): the address leaves
 * every table, the audit stays under the user id, the notice is erased once delivered, and the
 * address can start over with nothing of the old account reaching the new one.
 */
for (const { dialect, skip } of DIALECTS) {
  describe(`deleting an account on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let inbox: Inbox;
    before(async () => {
      inbox = await startInbox();
      t = await startTestApp(dialect, { OTO_SIGNING_KEYS: KEY_A, RATE_LIMIT_PER_MINUTE: '0', ...inbox.env });
    });
    after(async () => {
      await t?.close();
      await inbox?.close();
    });

    async function logIn(email: string, password = PASSWORD) {
      t.clock.advance(1000);
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' },
        payload: { email, password },
      });
      assert.equal(res.statusCode, 200, res.body);
      const token = res.json().sessionToken as string;
      return {
        token,
        bearer: { authorization: `Bearer ${token}` },
        cookie: { cookie: `${t.config.sessions.cookieName}=${token}` },
      };
    }
    const deleteMe = (headers: Record<string, string>, payload: unknown) =>
      t.app.inject({ method: 'DELETE', url: '/v1/me', headers, payload: payload as object });
    const me = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/v1/me', headers });
    const userExists = async (id: string) =>
      (await t.ctx.db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;

    /** The dump, lower-cased, without the rows a test says may still hold the address. */
    async function dumpWithout(skipRow: (table: string, row: Record<string, unknown>) => boolean) {
      const lines = (await dumpDatabase(t.ctx)).split('\n');
      return lines
        .map((line) => {
          const [table, json] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)];
          const rows = (JSON.parse(json) as Record<string, unknown>[]).filter((r) => !skipRow(table, r));
          return `${table}: ${JSON.stringify(rows)}`;
        })
        .join('\n')
        .toLowerCase();
    }

    test('the address leaves every table but the audit, which keeps the user id; the notice is erased once delivered', async () => {
      const alice = await insertUser(t.ctx, 'Alice.Gone@Example.com', { password: PASSWORD });
      const dave = await insertUser(t.ctx, 'dave.stays@example.com', { password: PASSWORD });
      const session = await logIn('alice.gone@example.com');
      const daveSession = await logIn('dave.stays@example.com');

      // Alice leaves traces of every kind: a failed check, mail sent and pending, links, an
      // invitation delivered and one not yet, an invitation to her address from Dave, a pending
      // change of email to another address of hers.
      assert.equal((await deleteMe(session.bearer, { currentPassword: 'not it at all' })).statusCode, 401);
      await t.app.inject({ method: 'POST', url: '/v1/password-resets', payload: { email: alice.email } });
      const invite = (headers: Record<string, string>, email: string) =>
        t.app.inject({ method: 'POST', url: '/v1/invitations', headers, payload: { email } });
      assert.equal((await invite(session.bearer, 'bob.invited@example.com')).statusCode, 201);
      assert.equal((await invite(daveSession.bearer, 'alice.gone@example.com')).statusCode, 201);
      await inbox.all(t.ctx);
      assert.equal((await invite(session.bearer, 'carol.invited@example.com')).statusCode, 201);
      const changed = await t.app.inject({
        method: 'POST',
        url: '/v1/me/email',
        headers: session.bearer,
        payload: { newEmail: 'alice.elsewhere@example.org', password: PASSWORD },
      });
      assert.equal(changed.statusCode, 202);
      const beforeDump = await dumpWithout(() => false);
      for (const address of ['alice.gone@example.com', 'alice.elsewhere@example.org'])
        assert.ok(beforeDump.includes(address), `${address} is in the database before`);

      const res = await deleteMe(session.bearer, { currentPassword: PASSWORD });
      assert.equal(res.statusCode, 204, res.body);
      const cleared = String(res.headers['set-cookie']);
      assert.match(cleared, new RegExp(`^${t.config.sessions.cookieName}=;`));
      assert.match(cleared, /Expires=Thu, 01 Jan 1970/);
      assert.equal(await userExists(alice.id), false);
      assert.equal((await me(session.bearer)).statusCode, 401, 'the session is gone');

      // Only the queued notice still names the address, as it must until it is delivered.
      const isNotice = (table: string, r: Record<string, unknown>) =>
        table === 'email_outbox' && r['kind'] === 'account_deleted';
      const afterDump = await dumpWithout(isNotice);
      for (const address of ['alice.gone@example.com', 'alice.elsewhere@example.org'])
        assert.ok(!afterDump.includes(address), `${address} is left in: ${excerpt(afterDump, address)}`);
      const notices = await t.ctx.db
        .selectFrom('email_outbox')
        .selectAll()
        .where('kind', '=', 'account_deleted')
        .execute();
      assert.equal(notices.length, 1);
      assert.equal(notices[0]!.recipient, 'Alice.Gone@Example.com');
      assert.equal(notices[0]!.status, 'pending');

      // Delivered over SMTP: then its row keeps neither address nor body, and the address is nowhere.
      const delivered = inbox.smtp.messages.length;
      await inbox.all(t.ctx);
      const received = inbox.smtp.messages.slice(delivered);
      assert.deepEqual(
        received.map((m) => m.envelope.to.map((to) => to.toLowerCase())),
        [['alice.gone@example.com']],
        'the notice, and nothing else of hers, went out',
      );
      assert.match(received[0]!.parsed.subject ?? '', /account was deleted/);
      const row = await t.ctx.db
        .selectFrom('email_outbox')
        .selectAll()
        .where('id', '=', notices[0]!.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        [row.status, row.recipient, row.text_body, row.html_body, row.headers],
        ['sent', '', null, null, null],
      );
      assert.equal(row.user_id, alice.id, 'the row keeps only the user id');
      const finalDump = await dumpWithout(() => false);
      for (const address of ['alice.gone@example.com', 'alice.elsewhere@example.org'])
        assert.ok(!finalDump.includes(address), `${address} is left in: ${excerpt(finalDump, address)}`);

      // The audit trail of the account stays, under its id, with the deletion itself.
      const audit = await t.ctx.db
        .selectFrom('audit_events')
        .select(['event', 'detail'])
        .where('user_id', '=', alice.id)
        .execute();
      const events = audit.map((a) => a.event);
      for (const event of ['login.succeeded', 'login.failed', 'invitation.sent', 'user.deleted'])
        assert.ok(events.includes(event), `${event} is kept (${events.join(', ')})`);
      const deletion = audit.find((a) => a.event === 'user.deleted')!;
      assert.equal(JSON.parse(deletion.detail!).actor, 'self');

      // Dave, whose invitation Alice never accepted, keeps his account; his invitation is revoked.
      assert.equal((await me(daveSession.bearer)).statusCode, 200);
      const daves = await t.ctx.db
        .selectFrom('invitations')
        .selectAll()
        .where('inviter_id', '=', dave.id)
        .execute();
      assert.equal(daves.length, 1);
      assert.notEqual(daves[0]!.revoked_at, null);
    });

    test("the invitations it sent stop working, and the invitee's mail no longer names it", async () => {
      await insertUser(t.ctx, 'inviter.gone@example.com', { password: PASSWORD });
      const session = await logIn('inviter.gone@example.com');
      const sent = await t.app.inject({
        method: 'POST',
        url: '/v1/invitations',
        headers: session.bearer,
        payload: { email: 'erin.invitee@example.com' },
      });
      assert.equal(sent.statusCode, 201, sent.body);
      const link = tokenLink(await inbox.last(t.ctx, 'erin.invitee@example.com', 'invitation'));
      assert.equal((await deleteMe(session.bearer, { currentPassword: PASSWORD })).statusCode, 204);

      const accept = await t.app.inject({
        method: 'POST',
        url: '/v1/invitations/accept',
        payload: { token: tokenOf(link), password: 'a brand new password for erin' },
      });
      assert.equal(accept.statusCode, 410, accept.body);
      assert.equal(accept.json().code, 'token_revoked');
      assert.equal(
        (
          await t.ctx.db
            .selectFrom('users')
            .select('id')
            .where('email', '=', 'erin.invitee@example.com')
            .execute()
        ).length,
        0,
        'no account was made from the dead invitation',
      );
      const erinsMail = await t.ctx.db
        .selectFrom('email_outbox')
        .select('subject')
        .where('recipient', '=', 'erin.invitee@example.com')
        .execute();
      assert.equal(erinsMail.length, 1, 'the sent invitation stays in the outbox as sent');
      assert.ok(!erinsMail[0]!.subject.includes('inviter.gone'), erinsMail[0]!.subject);
    });

    test('the same address signs up again as a new account, out of reach of every old session and link', async () => {
      const email = 'phoenix@example.com';
      await t.app.inject({ method: 'POST', url: '/v1/users', payload: { email, password: PASSWORD } });
      const verify = tokenLink(await inbox.last(t.ctx, email, 'verify_email'));
      assert.equal(
        (await t.app.inject({ method: 'POST', url: '/v1/users/verify', payload: { token: tokenOf(verify) } }))
          .statusCode,
        200,
      );
      const old = await t.ctx.db
        .selectFrom('users')
        .selectAll()
        .where('email_normalized', '=', email)
        .executeTakeFirstOrThrow();
      const session = await logIn(email);
      await t.app.inject({ method: 'POST', url: '/v1/password-resets', payload: { email } });
      const oldReset = tokenLink(await inbox.last(t.ctx, email, 'password_reset'));
      const oldUnsubscribe = unsubscribeToken(t.ctx, old.id);
      assert.equal((await deleteMe(session.bearer, { currentPassword: PASSWORD })).statusCode, 204);

      const again = await t.app.inject({
        method: 'POST',
        url: '/v1/users',
        payload: { email, password: 'another password entirely 2' },
      });
      assert.equal(again.statusCode, 202);
      const fresh = await t.ctx.db
        .selectFrom('users')
        .selectAll()
        .where('email_normalized', '=', email)
        .executeTakeFirstOrThrow();
      assert.notEqual(fresh.id, old.id);
      assert.equal(fresh.email_verified_at, null, 'a fresh, unverified account');

      assert.equal((await me(session.bearer)).statusCode, 401, 'the old session reaches nothing');
      const introspected = await t.app.inject({
        method: 'POST',
        url: '/v1/sessions/introspect',
        headers: apiHeaders,
        payload: { token: session.token },
      });
      assert.equal(introspected.json().active, false);
      const reset = await t.app.inject({
        method: 'POST',
        url: '/v1/password-resets/confirm',
        payload: { token: tokenOf(oldReset), password: 'the attacker wants this one' },
      });
      assert.equal(reset.statusCode, 400, 'the old reset link is unknown now');
      const reverify = await t.app.inject({
        method: 'POST',
        url: '/v1/users/verify',
        payload: { token: tokenOf(verify) },
      });
      assert.ok(reverify.statusCode >= 400, 'the old verification link verifies nothing');
      const unsubscribed = await t.app.inject({
        method: 'POST',
        url: '/v1/unsubscribe',
        payload: { token: oldUnsubscribe },
      });
      assert.equal(unsubscribed.statusCode, 200, 'answered as always: unsubscribing is idempotent');
      const now = await t.ctx.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', fresh.id)
        .executeTakeFirstOrThrow();
      assert.equal(now.unsubscribed_at, null, 'the old unsubscribe link does not touch the new account');
      assert.equal(now.email_verified_at, null);
      assert.equal(now.password_hash, fresh.password_hash);
      // The old password is not the new account's.
      const oldLogin = await t.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        payload: { email, password: PASSWORD },
      });
      assert.equal(oldLogin.statusCode, 401);
      assert.equal(oldLogin.json().code, 'invalid_credentials');
    });

    test('a notice refused for good is erased too', async () => {
      const user = await insertUser(t.ctx, 'bounced.gone@example.com', { password: PASSWORD });
      const session = await logIn('bounced.gone@example.com');
      await inbox.all(t.ctx);
      assert.equal((await deleteMe(session.bearer, { currentPassword: PASSWORD })).statusCode, 204);
      const transport = createTransport(t.ctx.config);
      inbox.smtp.rejectWith(550, 'mailbox unavailable');
      try {
        assert.equal((await deliverDue(t.ctx, { transport })).failed, 1);
      } finally {
        inbox.smtp.acceptAll();
        await transport.close();
      }
      const row = await t.ctx.db
        .selectFrom('email_outbox')
        .selectAll()
        .where('user_id', '=', user.id)
        .where('kind', '=', 'account_deleted')
        .executeTakeFirstOrThrow();
      assert.deepEqual([row.status, row.recipient, row.text_body], ['failed', '', null]);
      assert.ok(!(await dumpDatabase(t.ctx)).toLowerCase().includes('bounced.gone@example.com'));
    });

    test('bad input changes nothing: no session, a missing, empty or wrong password, another site', async () => {
      const user = await insertUser(t.ctx, 'careful@example.com', { password: PASSWORD });
      const session = await logIn('careful@example.com');
      await t.app.inject({ method: 'POST', url: '/v1/password-resets', payload: { email: user.email } });
      const state = async () =>
        JSON.stringify([
          await t.ctx.db.selectFrom('users').selectAll().where('id', '=', user.id).execute(),
          await t.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute(),
          await t.ctx.db.selectFrom('security_tokens').select('id').where('user_id', '=', user.id).execute(),
          await t.ctx.db.selectFrom('email_outbox').select(['id', 'status']).orderBy('id').execute(),
        ]);
      const before = await state();

      const cases: [string, Record<string, string>, unknown, number, string][] = [
        ['no session', {}, { currentPassword: PASSWORD }, 401, 'unauthenticated'],
        ['no body field', session.bearer, {}, 422, 'invalid_input'],
        ['an empty password', session.bearer, { currentPassword: '' }, 422, 'invalid_input'],
        ['a number', session.bearer, { currentPassword: 12345 }, 422, 'invalid_input'],
        ['a wrong password', session.bearer, { currentPassword: `${PASSWORD}!` }, 401, 'invalid_credentials'],
        [
          'a cookie from another site',
          { ...session.cookie, origin: 'https://evil.example' },
          { currentPassword: PASSWORD },
          403,
          'cross_origin',
        ],
      ];
      for (const [name, headers, payload, status, code] of cases) {
        const res = await deleteMe(headers, payload);
        assert.equal(res.statusCode, status, `${name}: ${res.body}`);
        assert.equal(res.json().code, code, name);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/, name);
      }
      const noBody = await t.app.inject({ method: 'DELETE', url: '/v1/me', headers: session.bearer });
      assert.ok(noBody.statusCode >= 400 && noBody.statusCode < 500, `no body: ${noBody.statusCode}`);
      assert.equal(await state(), before);
      assert.equal((await me(session.bearer)).statusCode, 200);
    });

    test('the pages: /account links to the second page, which asks for the password, then deletes', async () => {
      const user = await insertUser(t.ctx, 'pages.gone@example.com', { password: PASSWORD });
      const { cookie } = await logIn('pages.gone@example.com');
      const account = await t.app.inject({ method: 'GET', url: '/account', headers: cookie });
      assert.match(account.body, /<a href="\/account\/delete">Delete my account<\/a>/);
      assert.match(account.body, /<a href="\/account\/export"[^>]*>Download my data<\/a>/);

      const page = await t.app.inject({ method: 'GET', url: '/account/delete', headers: cookie });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /cannot be undone/);
      assert.match(page.body, /<form method="post" action="\/account\/delete"/);
      assert.match(page.body, /type="password"/);
      const loggedOut = await t.app.inject({ method: 'GET', url: '/account/delete' });
      assert.equal(loggedOut.statusCode, 303);
      assert.match(String(loggedOut.headers.location), /^\/login\?return_to=%2Faccount%2Fdelete/);

      const post = (headers: Record<string, string>, body: string) =>
        t.app.inject({
          method: 'POST',
          url: '/account/delete',
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          payload: body,
        });
      const crossSite = await post({ ...cookie, origin: 'https://evil.example' }, 'currentPassword=x');
      assert.equal(crossSite.statusCode, 403);
      const wrong = await post({ ...cookie, origin: t.config.publicUrl }, 'currentPassword=wrong+one');
      assert.equal(wrong.statusCode, 401);
      assert.match(wrong.body, /The current password is not correct/);
      assert.match(wrong.body, /<form method="post" action="\/account\/delete"/, 'the form again');
      const empty = await post({ ...cookie, origin: t.config.publicUrl }, 'currentPassword=');
      assert.equal(empty.statusCode, 422);
      assert.match(empty.body, /Your password is required\./);
      assert.equal(await userExists(user.id), true, 'nothing deleted so far');

      const done = await post(
        { ...cookie, origin: t.config.publicUrl },
        `currentPassword=${encodeURIComponent(PASSWORD)}`,
      );
      assert.equal(done.statusCode, 303);
      assert.equal(done.headers.location, '/account/deleted');
      assert.match(String(done.headers['set-cookie']), new RegExp(`^${t.config.sessions.cookieName}=;`));
      assert.equal(await userExists(user.id), false);
      const landing = await t.app.inject({ method: 'GET', url: '/account/deleted' });
      assert.match(landing.body, /Your account was deleted/);
      const after = await t.app.inject({ method: 'GET', url: '/account', headers: cookie });
      assert.equal(after.statusCode, 303, 'the old cookie is logged out');
    });
  });
}

function excerpt(text: string, needle: string): string {
  const at = text.indexOf(needle);
  return at < 0 ? '' : text.slice(Math.max(0, at - 300), at + 100);
}
