import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashPassword } from '../src/accounts/passwords.ts';
import { newId } from '../src/db/ids.ts';
import { createOto } from '../src/library/oto.ts';
import { insertUser } from './helpers/accounts.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { KEY_A } from './helpers/flows.ts';
import { type Inbox, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { createTestDatabase, DIALECTS } from './helpers/storage.ts';

/**
 * /v1/admin/users, with a key of the admin scope named "ops": finding accounts, disabling and
 * enabling them, logging them out and sending them links; what a disabled user then meets; the
 * audit trail naming "ops"; and bad input that changes nothing. Mail is read over real SMTP.
 */

const ADMIN_KEY = 'ops-admin-key-0123456789abcdefgh';
const PASSWORD = 'correct horse battery staple 42';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

for (const { dialect, skip } of DIALECTS) {
  describe(`admin API on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let inbox: Inbox;
    before(async () => {
      inbox = await startInbox();
      t = await startTestApp(dialect, {
        OTO_API_KEYS: `ops:admin:${ADMIN_KEY}`,
        OTO_SIGNING_KEYS: KEY_A,
        RATE_LIMIT_PER_MINUTE: '0',
        ...inbox.env,
      });
    });
    after(async () => {
      await t?.close();
      await inbox?.close();
    });

    const get = (url: string) => t.app.inject({ method: 'GET', url, headers: admin });
    const post = (url: string, payload?: object) =>
      t.app.inject({ method: 'POST', url, headers: admin, ...(payload ? { payload } : {}) });
    const logIn = (email: string, password = PASSWORD) =>
      t.app.inject({ method: 'POST', url: '/v1/sessions', payload: { email, password } });
    async function newUser(email: string, options: { verified?: boolean } = {}) {
      t.clock.advance(1000);
      return insertUser(t.ctx, email, { password: PASSWORD, ...options });
    }
    async function loggedIn(email: string): Promise<string> {
      const res = await logIn(email);
      assert.equal(res.statusCode, 200, res.body);
      return res.json().sessionToken;
    }
    const me = (session: string) =>
      t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${session}` } });
    const audit = (userId: string, event: string) =>
      t.ctx.db
        .selectFrom('audit_events')
        .selectAll()
        .where('user_id', '=', userId)
        .where('event', '=', event)
        .orderBy('at')
        .orderBy('id')
        .execute();
    async function snapshot() {
      const rows = async (
        table: 'users' | 'sessions' | 'security_tokens' | 'email_outbox' | 'audit_events',
      ) => JSON.stringify(await t.ctx.db.selectFrom(table).selectAll().orderBy('id').execute());
      return {
        users: await rows('users'),
        sessions: await rows('sessions'),
        tokens: await rows('security_tokens'),
        outbox: await rows('email_outbox'),
        audit: await rows('audit_events'),
      };
    }

    test('disable: sessions and live links end, the right password gets 403, anything else 401', async () => {
      const user = await newUser('dana@example.com');
      const phone = await loggedIn('dana@example.com');
      const laptop = await loggedIn('dana@example.com');
      // A reset link asked for before the account is disabled must not work after.
      assert.equal(
        (
          await t.app.inject({
            method: 'POST',
            url: '/v1/password-resets',
            payload: { email: 'dana@example.com' },
          })
        ).statusCode,
        202,
      );
      const resetMail = await inbox.last(t.ctx, 'dana@example.com', 'password_reset');

      const res = await post(`/v1/admin/users/${user.id}/disable`, {
        reason: 'chargeback fraud, ticket 881',
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        status: 'disabled',
        changed: true,
        revokedSessions: 2,
        revokedTokens: 1,
      });
      for (const session of [phone, laptop]) assert.equal((await me(session)).statusCode, 401);

      const right = await logIn('dana@example.com');
      assert.equal(right.statusCode, 403);
      assert.equal(right.json().code, 'account_disabled');
      const wrong = await logIn('dana@example.com', 'not the password at all 123');
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().code, 'invalid_credentials');

      const confirm = await t.app.inject({
        method: 'POST',
        url: '/v1/password-resets/confirm',
        payload: { token: tokenOf(tokenLink(resetMail)), password: 'a brand new password 99' },
      });
      assert.equal(confirm.statusCode, 410);
      assert.equal(confirm.json().code, 'token_revoked');

      const notice = await inbox.last(t.ctx, 'dana@example.com', 'account_disabled');
      assert.match(notice.subject, /disabled/);
      assert.ok(!notice.text.includes('chargeback'), "the operators' reason is not mailed");

      const [entry] = await audit(user.id, 'user.disabled');
      assert.equal(entry?.actor, 'ops');
      assert.equal(JSON.parse(entry!.detail!).reason, 'chargeback fraud, ticket 881');
      const details = (await get(`/v1/admin/users/${user.id}`)).json();
      assert.equal(details.status, 'disabled');
      assert.equal(details.disabledReason, 'chargeback fraud, ticket 881');
      assert.equal(details.sessionCount, 0);

      // Again: nothing changes, nothing is mailed, nothing is recorded.
      const before = await snapshot();
      const again = await post(`/v1/admin/users/${user.id}/disable`, { reason: 'another reason' });
      assert.equal(again.statusCode, 200);
      assert.equal(again.json().changed, false);
      assert.deepEqual(await snapshot(), before);
    });

    test('a disabled account is sent nothing: reset, verification, sign-up and admin links', async () => {
      const verified = await newUser('erin@example.com');
      const unverified = await newUser('finn@example.com', { verified: false });
      for (const user of [verified, unverified])
        assert.equal((await post(`/v1/admin/users/${user.id}/disable`, { reason: 'abuse' })).statusCode, 200);
      const mailBefore = (await inbox.all(t.ctx)).length;
      const reset = await t.app.inject({
        method: 'POST',
        url: '/v1/password-resets',
        payload: { email: 'erin@example.com' },
      });
      assert.equal(reset.statusCode, 202);
      const resend = await t.app.inject({
        method: 'POST',
        url: '/v1/users/verify/resend',
        payload: { email: 'finn@example.com' },
      });
      assert.equal(resend.statusCode, 202);
      const signUp = await t.app.inject({
        method: 'POST',
        url: '/v1/users',
        payload: { email: 'finn@example.com', password: 'a takeover password 1234' },
      });
      assert.equal(signUp.statusCode, 202);
      assert.deepEqual((await post(`/v1/admin/users/${verified.id}/password-reset`)).json(), { sent: false });
      assert.deepEqual((await post(`/v1/admin/users/${unverified.id}/verification-email`)).json(), {
        sent: false,
      });
      assert.equal((await inbox.all(t.ctx)).length, mailBefore, 'no mail was queued');
      const [resetEntry] = await audit(verified.id, 'password_reset.requested');
      assert.deepEqual(JSON.parse(resetEntry!.detail!), { sent: false });
      // The sign-up took nothing over: the account keeps its password and stays disabled.
      const right = await logIn('finn@example.com');
      assert.equal(right.json().code, 'account_disabled');
    });

    test('enable: the user logs in again, is told, and the audit names the key', async () => {
      const user = await newUser('gus@example.com');
      await post(`/v1/admin/users/${user.id}/disable`, { reason: 'mistake' });
      const res = await post(`/v1/admin/users/${user.id}/enable`);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { status: 'active', changed: true, revokedSessions: 0, revokedTokens: 0 });
      assert.equal((await me(await loggedIn('gus@example.com'))).statusCode, 200);
      const notice = await inbox.last(t.ctx, 'gus@example.com', 'account_enabled');
      assert.match(notice.text, /https:\/\/oto\.test\/login/);
      assert.equal((await audit(user.id, 'user.enabled'))[0]?.actor, 'ops');
      const details = (await get(`/v1/admin/users/${user.id}`)).json();
      assert.equal(details.disabledReason, null);
      // Enabling an enabled account changes nothing.
      const before = await snapshot();
      assert.equal((await post(`/v1/admin/users/${user.id}/enable`)).json().changed, false);
      assert.deepEqual(await snapshot(), before);
    });

    test('revoke sessions: {revoked: n}, every session ends, the password still works', async () => {
      const user = await newUser('hana@example.com');
      const sessions = [await loggedIn('hana@example.com'), await loggedIn('hana@example.com')];
      const res = await post(`/v1/admin/users/${user.id}/sessions/revoke`);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { revoked: 2 });
      for (const session of sessions) assert.equal((await me(session)).statusCode, 401);
      assert.equal((await logIn('hana@example.com')).statusCode, 200);
      const [entry] = await audit(user.id, 'sessions.revoked');
      assert.equal(entry?.actor, 'ops');
      assert.deepEqual(JSON.parse(entry!.detail!), { reason: 'operator', count: 2 });
      // The log-in above is the one session left.
      assert.deepEqual((await post(`/v1/admin/users/${user.id}/sessions/revoke`)).json(), { revoked: 1 });
      assert.deepEqual((await post(`/v1/admin/users/${user.id}/sessions/revoke`)).json(), { revoked: 0 });
    });

    test('delete: the account and its sessions are gone, the address can sign up again, the audit names the key', async () => {
      const user = await newUser('ivy@example.com');
      const session = await loggedIn('ivy@example.com');
      const res = await t.app.inject({ method: 'DELETE', url: `/v1/admin/users/${user.id}`, headers: admin });
      assert.equal(res.statusCode, 204, res.body);
      assert.equal((await me(session)).statusCode, 401);
      assert.equal((await get(`/v1/admin/users/${user.id}`)).statusCode, 404);
      assert.equal((await logIn('ivy@example.com')).statusCode, 401);
      const [entry] = await audit(user.id, 'user.deleted');
      assert.equal(entry?.actor, 'ops');
      assert.doesNotMatch(JSON.stringify(entry), /ivy@example\.com/);
      const again = await t.app.inject({
        method: 'DELETE',
        url: `/v1/admin/users/${user.id}`,
        headers: admin,
      });
      assert.equal(again.statusCode, 404, 'a second delete finds no one');
    });

    test('links sent by an operator: the usual emails that work, under the usual caps', async () => {
      const user = await newUser('ivan@example.com');
      const res = await post(`/v1/admin/users/${user.id}/password-reset`);
      assert.equal(res.statusCode, 202);
      assert.deepEqual(res.json(), { sent: true });
      const mail = await inbox.last(t.ctx, 'ivan@example.com', 'password_reset');
      const confirm = await t.app.inject({
        method: 'POST',
        url: '/v1/password-resets/confirm',
        payload: { token: tokenOf(tokenLink(mail)), password: 'a brand new password 99' },
      });
      assert.equal(confirm.statusCode, 200, confirm.body);
      const entries = await audit(user.id, 'password_reset.requested');
      assert.equal(entries[0]?.actor, 'ops');
      // MAIL_CAP_RESET_PER_HOUR (3): the fourth in the hour is not sent.
      for (let i = 0; i < 2; i++)
        assert.deepEqual((await post(`/v1/admin/users/${user.id}/password-reset`)).json(), { sent: true });
      assert.deepEqual((await post(`/v1/admin/users/${user.id}/password-reset`)).json(), { sent: false });
      assert.equal((await inbox.to(t.ctx, 'ivan@example.com', 'password_reset')).length, 3);

      const unverified = await newUser('jo@example.com', { verified: false });
      assert.deepEqual((await post(`/v1/admin/users/${unverified.id}/verification-email`)).json(), {
        sent: true,
      });
      const verify = await inbox.last(t.ctx, 'jo@example.com', 'verify_email');
      const verified = await t.app.inject({
        method: 'POST',
        url: '/v1/users/verify',
        payload: { token: tokenOf(tokenLink(verify)) },
      });
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal((await audit(unverified.id, 'verification.requested'))[0]?.actor, 'ops');
      // Verified now: no further verification link.
      assert.deepEqual((await post(`/v1/admin/users/${unverified.id}/verification-email`)).json(), {
        sent: false,
      });
    });

    test('show: status, dates, last log-in, session count and subscription', async () => {
      const user = await newUser('kim@example.com');
      const fresh = (await get(`/v1/admin/users/${user.id}`)).json();
      assert.equal(fresh.lastLoginAt, null);
      assert.equal(fresh.sessionCount, 0);
      t.clock.advance(5000);
      const loginAt = t.clock.now();
      await loggedIn('kim@example.com');
      const res = await get(`/v1/admin/users/${user.id}`);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), {
        id: user.id,
        email: 'kim@example.com',
        status: 'active',
        createdAt: new Date(Number(user.created_at)).toISOString(),
        verifiedAt: new Date(Number(user.email_verified_at)).toISOString(),
        disabledAt: null,
        disabledReason: null,
        subscribed: true,
        lastLoginAt: new Date(loginAt).toISOString(),
        sessionCount: 1,
      });
    });

    test('list: by email prefix or exact address, by status, a page at a time', async () => {
      const a = await newUser('list.amy@corp.example');
      const b = await newUser('list.bob@corp.example', { verified: false });
      const c = await newUser('List.Cy@corp.example');
      await post(`/v1/admin/users/${c.id}/disable`, { reason: 'test' });
      const ids = async (query: string) =>
        ((await get(`/v1/admin/users?${query}`)).json().users as { id: string }[]).map((u) => u.id);
      assert.deepEqual(await ids('email=list.'), [a.id, b.id, c.id]);
      assert.deepEqual(await ids('email=LIST.BOB@corp.example'), [b.id]);
      assert.deepEqual(await ids('email=list.&status=active'), [a.id]);
      assert.deepEqual(await ids('email=list.&status=unverified'), [b.id]);
      assert.deepEqual(await ids('email=list.&status=disabled'), [c.id]);
      // LIKE's wildcards are plain characters here.
      assert.deepEqual(await ids('email=list_'), []);
      assert.deepEqual(await ids('email=%25'), []);

      const first = (await get('/v1/admin/users?email=list.&limit=2')).json();
      assert.deepEqual(
        first.users.map((u: { id: string; status: string }) => [u.id, u.status]),
        [
          [a.id, 'active'],
          [b.id, 'unverified'],
        ],
      );
      assert.match(first.nextCursor, /^[A-Za-z0-9_-]+$/);
      const second = (await get(`/v1/admin/users?email=list.&limit=2&cursor=${first.nextCursor}`)).json();
      assert.deepEqual(
        second.users.map((u: { id: string }) => u.id),
        [c.id],
      );
      assert.equal(second.nextCursor, null);
    });

    test('paging is stable while people sign up: no account twice, none skipped', async () => {
      const existing: string[] = [];
      for (let i = 0; i < 25; i++) existing.push((await newUser(`page${i}@paging.example`)).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let round = 0;
      do {
        const query: string = `email=page&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await get(`/v1/admin/users?${query}`);
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json();
        seen.push(...page.users.map((u: { id: string }) => u.id));
        cursor = page.nextCursor;
        // Sign-ups between pages, some in the same millisecond as each other.
        await Promise.all(
          [0, 1, 2].map((n) =>
            t.app.inject({
              method: 'POST',
              url: '/v1/users',
              payload: {
                email: `page-new${round}-${n}@paging.example`,
                password: 'a fresh password for paging',
              },
            }),
          ),
        );
        t.clock.advance(1);
        round++;
      } while (cursor !== null && round < 50);
      assert.equal(new Set(seen).size, seen.length, 'no account is listed twice');
      for (const id of existing) assert.ok(seen.includes(id), 'every account that existed is listed');
    });

    test('bad input: 4xx, and nothing changes', async () => {
      const user = await newUser('lee@example.com');
      const before = await snapshot();
      const unknown = '01890000-0000-7000-8000-000000000000';
      for (const id of [unknown, 'not-an-id', "1' or '1'='1"]) {
        const path = `/v1/admin/users/${encodeURIComponent(id)}`;
        assert.equal((await get(path)).statusCode, 404);
        for (const action of ['enable', 'sessions/revoke', 'verification-email', 'password-reset']) {
          const res = await post(`${path}/${action}`);
          assert.equal(res.statusCode, 404, `${action}: ${res.body}`);
          assert.equal(res.json().code, 'not_found');
        }
        assert.equal((await post(`${path}/disable`, { reason: 'x' })).statusCode, 404);
      }
      for (const reason of ['', '   ', 'two\nlines', 'x'.repeat(501)]) {
        const res = await post(`/v1/admin/users/${user.id}/disable`, { reason });
        assert.equal(res.statusCode, 422, JSON.stringify(reason));
        assert.equal(res.json().code, 'invalid_input');
      }
      assert.equal((await post(`/v1/admin/users/${user.id}/disable`, {})).statusCode, 422);
      for (const query of [
        'limit=100000',
        'limit=0',
        'limit=101',
        'limit=ten',
        'cursor=not-a-cursor!',
        `cursor=${Buffer.from('[1,"x"]').toString('base64url')}`,
        `cursor=${Buffer.from('{}').toString('base64url')}`,
        'status=sleeping',
        'colour=blue',
      ]) {
        const res = await get(`/v1/admin/users?${query}`);
        assert.equal(res.statusCode, 422, `${query}: ${res.body}`);
        assert.equal(res.json().code, 'invalid_input');
        assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
      }
      assert.deepEqual(await snapshot(), before);
      assert.equal((await logIn('lee@example.com')).statusCode, 200);
    });
  });
}

for (const { dialect, skip } of DIALECTS) {
  test(`library mode on ${dialect}: oto.admin does what the admin API does, with the app's actor`, {
    skip,
  }, async () => {
    const database = await createTestDatabase(dialect);
    await database.storage.close();
    const oto = createOto({
      database: database.url,
      publicUrl: 'https://oto.test',
      signingKeys: KEY_A,
      logLevel: 'silent',
      mail: { async send() {} },
    });
    try {
      await oto.migrate();
      const id = newId();
      const now = Date.now();
      await oto.db
        .insertInto('users')
        .values({
          id,
          email: 'mo@example.com',
          email_normalized: 'mo@example.com',
          password_hash: await hashPassword(PASSWORD),
          email_verified_at: now,
          created_at: now,
          updated_at: now,
        })
        .execute();
      const { users } = await oto.admin.listUsers({ email: 'mo@' });
      assert.deepEqual(
        users.map((u) => [u.id, u.status]),
        [[id, 'active']],
      );
      await assert.rejects(oto.admin.listUsers({ limit: 100_000 }), TypeError);
      assert.deepEqual(await oto.admin.disableUser({ userId: id, reason: 'abuse', actor: 'support:ana' }), {
        ok: true,
        status: 'disabled',
        changed: true,
      });
      const refusedLogin = await oto.logIn({ email: 'mo@example.com', password: PASSWORD });
      assert.deepEqual(refusedLogin, { ok: false, reason: 'account_disabled' });
      assert.deepEqual(await oto.admin.sendPasswordReset({ userId: id, actor: 'support:ana' }), {
        ok: true,
        sent: false,
      });
      assert.equal((await oto.admin.describeUser(id))?.disabledReason, 'abuse');
      assert.equal((await oto.admin.enableUser({ userId: id, actor: 'support:ana' })).ok, true);
      assert.equal((await oto.logIn({ email: 'mo@example.com', password: PASSWORD })).ok, true);
      assert.deepEqual(await oto.admin.revokeSessions({ userId: id, actor: 'support:ana' }), {
        ok: true,
        revoked: 1,
      });
      assert.deepEqual(await oto.admin.enableUser({ userId: 'nobody', actor: 'x' }), {
        ok: false,
        reason: 'unknown',
      });
      const actors = await oto.db
        .selectFrom('audit_events')
        .select(['event', 'actor'])
        .where('user_id', '=', id)
        .where('actor', 'is not', null)
        .orderBy('at')
        .orderBy('id')
        .execute();
      assert.deepEqual(
        // Sorted: entries of one millisecond have no order of their own.
        actors.map((row: { event: string; actor: string }) => `${row.event} ${row.actor}`).sort(),
        [
          'password_reset.requested support:ana',
          'sessions.revoked support:ana',
          'user.disabled support:ana',
          'user.enabled support:ana',
        ],
      );
    } finally {
      await oto.close();
      await database.drop();
    }
  });
}
