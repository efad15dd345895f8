import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { insertUser } from './helpers/accounts.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { KEY_A } from './helpers/flows.ts';
import { type Inbox, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';

const PASSWORD = 'correct horse battery staple';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';

/**
 * GET /v1/me/export and the /account/export page (src/accounts/account-export.ts): everything oto
 * holds about the account, as an attachment, and none of its secrets or anyone else's data.
 */
for (const { dialect, skip } of DIALECTS) {
  describe(`exporting an account's data on ${dialect}`, { skip }, () => {
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

    async function logIn(email: string) {
      t.clock.advance(1000);
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        headers: { 'user-agent': FIREFOX },
        payload: { email, password: PASSWORD },
      });
      assert.equal(res.statusCode, 200, res.body);
      const token = res.json().sessionToken as string;
      return {
        token,
        bearer: { authorization: `Bearer ${token}` },
        cookie: { cookie: `${t.config.sessions.cookieName}=${token}` },
      };
    }

    test('holds the profile, subscription, sessions, invitations sent and accepted, and the audit; no secret', async () => {
      const ada = await insertUser(t.ctx, 'Ada.Export@example.com', { password: PASSWORD });
      const other = await insertUser(t.ctx, 'grace.other@example.com', { password: PASSWORD });
      const first = await logIn('ada.export@example.com');
      const second = await logIn('ada.export@example.com');
      const grace = await logIn('grace.other@example.com');

      // Ada invites someone, and accepts Grace's invitation.
      const sent = await t.app.inject({
        method: 'POST',
        url: '/v1/invitations',
        headers: first.bearer,
        payload: { email: 'linus.invitee@example.com' },
      });
      assert.equal(sent.statusCode, 201, sent.body);
      const graceInvites = await t.app.inject({
        method: 'POST',
        url: '/v1/invitations',
        headers: grace.bearer,
        payload: { email: 'ada.export@example.com' },
      });
      assert.equal(graceInvites.statusCode, 201, graceInvites.body);
      const link = tokenLink(await inbox.last(t.ctx, 'ada.export@example.com', 'invitation'));
      const accepted = await t.app.inject({
        method: 'POST',
        url: '/v1/invitations/accept',
        headers: first.bearer,
        payload: { token: tokenOf(link) },
      });
      assert.equal(accepted.statusCode, 200, accepted.body);
      await t.app.inject({
        method: 'PUT',
        url: '/v1/me/subscription',
        headers: first.bearer,
        payload: { subscribed: false },
      });
      await t.app.inject({ method: 'POST', url: '/v1/password-resets', payload: { email: ada.email } });
      const resetLink = tokenLink(await inbox.last(t.ctx, ada.email, 'password_reset'));

      const res = await t.app.inject({ method: 'GET', url: '/v1/me/export', headers: second.bearer });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-disposition'], 'attachment; filename="oto-export.json"');
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const data = res.json();

      assert.equal(data.profile.id, ada.id);
      assert.equal(data.profile.email, 'Ada.Export@example.com');
      assert.equal(data.profile.emailVerified, true);
      assert.deepEqual(data.subscription.subscribed, false);
      assert.equal(typeof data.subscription.unsubscribedAt, 'string');

      const sessions = await t.ctx.db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', ada.id)
        .execute();
      assert.equal(data.sessions.length, 2);
      assert.deepEqual(
        data.sessions.map((s: { id: string }) => s.id).sort(),
        sessions.map((s) => s.id).sort(),
      );
      for (const s of data.sessions) {
        assert.equal(s.userAgent, FIREFOX);
        assert.equal(s.ip, sessions[0]!.ip, 'the ip as stored');
        for (const key of ['createdAt', 'lastSeenAt', 'expiresAt']) assert.match(s[key], /^\d{4}-\d\d-\d\dT/);
      }

      assert.deepEqual(
        data.invitations.sent.map((i: { email: string; acceptedAt: unknown }) => [i.email, i.acceptedAt]),
        [['linus.invitee@example.com', null]],
      );
      assert.equal(data.invitations.accepted.length, 1);
      assert.equal(data.invitations.accepted[0].inviterId, other.id);
      assert.equal(typeof data.invitations.accepted[0].acceptedAt, 'string');
      assert.ok(data.grants.length >= 1, 'the grant of the accepted invitation');

      const events = data.auditEvents.map((a: { event: string }) => a.event);
      for (const event of [
        'login.succeeded',
        'invitation.sent',
        'invitation.accepted',
        'newsletter.unsubscribed',
      ])
        assert.ok(events.includes(event), `${event} in ${events.join(', ')}`);
      assert.ok(data.emails.some((m: { kind: string }) => m.kind === 'password_reset'));

      // None of the secrets, and nothing of Grace's but her id.
      const body = res.body;
      const user = await t.ctx.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', ada.id)
        .executeTakeFirstOrThrow();
      assert.ok(!body.includes('password_hash') && !body.includes('token_hash'));
      assert.ok(!body.includes(user.password_hash!), 'no password hash');
      assert.ok(!/argon2/i.test(body));
      assert.doesNotMatch(body, /[0-9a-f]{64}/i, 'no 64-hex digest');
      for (const secret of [first.token, second.token, tokenOf(resetLink), tokenOf(link)])
        assert.ok(!body.includes(secret), 'no session or link token');
      for (const s of sessions) assert.ok(!body.includes(s.token_hash));
      assert.ok(!body.toLowerCase().includes('grace.other'), "no other user's address");
      assert.ok(!body.includes(grace.token));

      // GET changes nothing: the same export twice, but for the instant it was made.
      const again = await t.app.inject({ method: 'GET', url: '/v1/me/export', headers: second.bearer });
      assert.deepEqual(withoutTime(again.json()), withoutTime(data));
    });

    test('the page sends the same file to the logged-in browser, and sends others to log in', async () => {
      await insertUser(t.ctx, 'page.export@example.com', { password: PASSWORD });
      const { cookie, bearer } = await logIn('page.export@example.com');
      const page = await t.app.inject({ method: 'GET', url: '/account/export', headers: cookie });
      assert.equal(page.statusCode, 200);
      assert.equal(page.headers['content-disposition'], 'attachment; filename="oto-export.json"');
      assert.equal(page.headers['cache-control'], 'no-store');
      const api = await t.app.inject({ method: 'GET', url: '/v1/me/export', headers: bearer });
      assert.deepEqual(withoutTime(page.json()), withoutTime(api.json()));
      assert.equal(page.json().profile.email, 'page.export@example.com');

      const anonymous = await t.app.inject({ method: 'GET', url: '/account/export' });
      assert.equal(anonymous.statusCode, 303);
      assert.match(String(anonymous.headers.location), /^\/login\?return_to=%2Faccount%2Fexport/);
      const apiAnonymous = await t.app.inject({ method: 'GET', url: '/v1/me/export' });
      assert.equal(apiAnonymous.statusCode, 401);
      assert.equal(apiAnonymous.json().code, 'unauthenticated');
    });
  });
}

/** An export without the instant it was made, to compare two of them. */
function withoutTime(data: unknown): unknown {
  return { ...(data as Record<string, unknown>), exportedAt: null };
}
