import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { lockRecipient } from '../src/accounts/mail-caps.ts';
import { createSession } from '../src/accounts/sessions.ts';
import type { User } from '../src/db/schema.ts';
import { insertUser } from './helpers/accounts.ts';
import { apiHeaders, startTestApp, type TestApp } from './helpers/app.ts';
import { KEY_A } from './helpers/flows.ts';
import { type Inbox, pathOf, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';

const PASSWORD = 'correct horse battery staple';
const DAY = 86_400_000;

for (const { dialect, skip } of DIALECTS) {
  describe(`invitations on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let inbox: Inbox;
    let alice: User;
    let aliceAuth: Record<string, string>;
    before(async () => {
      inbox = await startInbox();
      t = await startTestApp(dialect, { OTO_SIGNING_KEYS: KEY_A, RATE_LIMIT_PER_MINUTE: '0', ...inbox.env });
      alice = await insertUser(t.ctx, 'alice@example.com', { password: PASSWORD });
      aliceAuth = await bearer(alice);
    });
    after(async () => {
      await t?.close();
      await inbox?.close();
    });

    async function bearer(user: User): Promise<Record<string, string>> {
      const { token } = await createSession(t.ctx, t.ctx.db, user.id);
      return { authorization: `Bearer ${token}` };
    }

    async function cookieOf(user: User): Promise<Record<string, string>> {
      const { token } = await createSession(t.ctx, t.ctx.db, user.id);
      return { cookie: `${t.config.sessions.cookieName}=${token}` };
    }

    async function inviteAs(auth: Record<string, string>, payload: Record<string, string>) {
      const response = await t.app.inject({ method: 'POST', url: '/v1/invitations', headers: auth, payload });
      assert.equal(response.statusCode, 201, response.body);
      const mail = await inbox.last(t.ctx, payload['email']!, 'invitation');
      const link = tokenLink(mail);
      return { body: response.json(), link, token: tokenOf(link), mail };
    }

    const acceptJson = (
      token: string,
      extra: Record<string, unknown> = {},
      headers: Record<string, string> = {},
    ) =>
      t.app.inject({ method: 'POST', url: '/v1/invitations/accept', headers, payload: { token, ...extra } });
    const inspect = (token: string) =>
      t.app.inject({ method: 'POST', url: '/v1/invitations/inspect', payload: { token } });
    const grantsOf = async (auth: Record<string, string>) =>
      (await t.app.inject({ method: 'GET', url: '/v1/me/grants', headers: auth })).json().grants;
    const grantCount = async (email: string) => {
      const row = await t.ctx.db
        .selectFrom('grants')
        .innerJoin('users', 'users.id', 'grants.user_id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('users.email_normalized', '=', email)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };

    test('a new address: the link shows the invitation, and accepting with a password creates a verified, logged-in account with the grant', async () => {
      const { body, link, token, mail } = await inviteAs(aliceAuth, { email: 'Bob@Example.com' });
      assert.deepEqual(Object.keys(body).sort(), ['createdAt', 'email', 'expiresAt', 'id', 'role', 'scope']);
      assert.equal(body.email, 'Bob@Example.com');
      assert.equal(body.scope, 'default');
      assert.equal(body.role, 'member');
      assert.equal(Date.parse(body.expiresAt), t.clock.now() + 7 * DAY);
      assert.equal(link.origin + link.pathname, 'https://oto.test/invite');
      assert.match(mail.subject, /alice@example\.com invited you/);

      // The page and inspect change nothing, however often they are fetched.
      for (let i = 0; i < 3; i++) {
        const page = await t.app.inject({ method: 'GET', url: pathOf(link) });
        assert.equal(page.statusCode, 200);
        assert.match(page.body, /alice@example\.com<\/strong> invited <strong>Bob@Example\.com/);
        assert.match(page.body, /Choose a password/);
        assert.equal(page.headers['referrer-policy'], 'no-referrer');
        assert.equal(page.headers['cache-control'], 'no-store');
        assert.equal((await t.app.inject({ method: 'HEAD', url: pathOf(link) })).statusCode, 200);
      }
      const inspected = await inspect(token);
      assert.equal(inspected.statusCode, 200);
      assert.equal(inspected.json().inviter, 'alice@example.com');
      assert.equal(inspected.json().accountExists, false);

      // No password, or a refused one: 422, and the link still works.
      assert.equal((await acceptJson(token)).statusCode, 422);
      const weak = await acceptJson(token, { password: 'short' });
      assert.equal(weak.statusCode, 422);
      assert.equal(weak.json().errors[0].field, 'password');

      const accepted = await acceptJson(token, { password: PASSWORD });
      assert.equal(accepted.statusCode, 200, accepted.body);
      assert.equal(accepted.json().status, 'account_created');
      assert.match(String(accepted.headers['set-cookie']), new RegExp(`^${t.config.sessions.cookieName}=`));
      const bobAuth = { authorization: `Bearer ${accepted.json().sessionToken}` };
      const me = await t.app.inject({ method: 'GET', url: '/v1/me', headers: bobAuth });
      assert.equal(me.json().email, 'Bob@Example.com');
      assert.equal(me.json().emailVerified, true);
      assert.deepEqual(
        (await grantsOf(bobAuth)).map((g: Record<string, unknown>) => [
          g['scope'],
          g['role'],
          g['invitedBy'],
        ]),
        [['default', 'member', alice.id]],
      );
      // Logging in works with the chosen password.
      const login = await t.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        payload: { email: 'bob@example.com', password: PASSWORD },
      });
      assert.equal(login.statusCode, 200);

      const again = await acceptJson(token, { password: PASSWORD });
      assert.equal(again.statusCode, 410);
      assert.equal(again.json().code, 'token_used');
      assert.equal(t.logs.text().includes(token), false, 'the token never reaches a log line');
    });

    test('an existing account: login required, the wrong user gets 403 and the link stays usable, the right session accepts', async () => {
      const carol = await insertUser(t.ctx, 'carol@example.com', { password: PASSWORD });
      const dave = await insertUser(t.ctx, 'dave@example.com', { password: PASSWORD });
      // Alice owns team-1, so she may invite into it with any role.
      const granted = await t.app.inject({
        method: 'POST',
        url: '/v1/grants',
        headers: apiHeaders,
        payload: { userId: alice.id, scope: 'team-1', role: 'owner' },
      });
      assert.equal(granted.statusCode, 201);
      const { token, link } = await inviteAs(aliceAuth, {
        email: 'carol@example.com',
        scope: 'team-1',
        role: 'editor',
      });
      assert.equal((await inspect(token)).json().accountExists, true);

      const anonymous = await acceptJson(token, { password: PASSWORD });
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.json().code, 'login_required');

      const daveCookie = await cookieOf(dave);
      const page = await t.app.inject({ method: 'GET', url: pathOf(link), headers: daveCookie });
      assert.match(
        page.body,
        /You are logged in as <strong>dave@example\.com<\/strong>, but this invitation is for <strong>carol@example\.com/,
      );
      const wrongJson = await acceptJson(token, {}, await bearer(dave));
      assert.equal(wrongJson.statusCode, 403);
      assert.equal(wrongJson.json().code, 'wrong_account');
      const wrongForm = await t.app.inject({
        method: 'POST',
        url: '/invite',
        headers: {
          ...daveCookie,
          origin: t.config.publicUrl,
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: `token=${encodeURIComponent(token)}`,
      });
      assert.equal(wrongForm.statusCode, 403);
      assert.match(wrongForm.body, /This invitation is for someone else/);
      assert.equal((await inspect(token)).statusCode, 200, 'the link is still usable');
      assert.equal(await grantCount('dave@example.com'), 0);

      const carolCookie = await cookieOf(carol);
      const carolPage = await t.app.inject({ method: 'GET', url: pathOf(link), headers: carolCookie });
      assert.match(carolPage.body, /Accept the invitation/);
      const accepted = await t.app.inject({
        method: 'POST',
        url: '/invite',
        headers: {
          ...carolCookie,
          origin: t.config.publicUrl,
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: `token=${encodeURIComponent(token)}`,
      });
      assert.equal(accepted.statusCode, 303);
      assert.equal(accepted.headers['location'], '/account?invited=1');
      assert.deepEqual(
        (await grantsOf(carolCookie)).map((g: Record<string, unknown>) => [g['scope'], g['role']]),
        [['team-1', 'editor']],
      );
      assert.equal((await acceptJson(token, {}, await bearer(carol))).statusCode, 410);
    });

    test('revoking: the link stops working, the list drops it; only the inviter can revoke', async () => {
      const { body, token } = await inviteAs(aliceAuth, { email: 'erin@example.com' });
      const listed = await t.app.inject({ method: 'GET', url: '/v1/invitations', headers: aliceAuth });
      assert.ok(listed.json().invitations.some((i: { id: string }) => i.id === body.id));

      const stranger = await insertUser(t.ctx, 'stranger@example.com', { password: PASSWORD });
      const foreign = await t.app.inject({
        method: 'DELETE',
        url: `/v1/invitations/${body.id}`,
        headers: await bearer(stranger),
      });
      assert.equal(foreign.statusCode, 404);

      const revoked = await t.app.inject({
        method: 'DELETE',
        url: `/v1/invitations/${body.id}`,
        headers: aliceAuth,
      });
      assert.equal(revoked.statusCode, 204);
      const after = await t.app.inject({ method: 'GET', url: '/v1/invitations', headers: aliceAuth });
      assert.ok(!after.json().invitations.some((i: { id: string }) => i.id === body.id));
      const accept = await acceptJson(token, { password: PASSWORD });
      assert.equal(accept.statusCode, 410);
      assert.equal(accept.json().code, 'token_revoked');
      assert.equal((await inspect(token)).statusCode, 410);
      const again = await t.app.inject({
        method: 'DELETE',
        url: `/v1/invitations/${body.id}`,
        headers: aliceAuth,
      });
      assert.equal(again.statusCode, 409);
      assert.equal(await grantCount('erin@example.com'), 0);
    });

    test('an expired invitation is redeemable by no path: not accept, not a password reset, not a sign-up', async () => {
      const { token, link } = await inviteAs(aliceAuth, { email: 'frank@example.com' });
      t.clock.advance(7 * DAY);
      aliceAuth = await bearer(alice); // her session went idle meanwhile
      const accept = await acceptJson(token, { password: PASSWORD });
      assert.equal(accept.statusCode, 410);
      assert.equal(accept.json().code, 'token_expired');
      const page = await t.app.inject({ method: 'GET', url: pathOf(link) });
      assert.equal(page.statusCode, 410);
      assert.match(page.body, /This invitation has expired/);

      // No account waits half-made for the invitee: a reset finds nothing to reset.
      const reset = await t.app.inject({
        method: 'POST',
        url: '/v1/password-resets',
        payload: { email: 'frank@example.com' },
      });
      assert.equal(reset.statusCode, 202);
      assert.equal((await inbox.to(t.ctx, 'frank@example.com', 'password_reset')).length, 0);
      // A sign-up makes an ordinary unverified account, without the grant.
      const signup = await t.app.inject({
        method: 'POST',
        url: '/v1/users',
        payload: { email: 'frank@example.com', password: PASSWORD },
      });
      assert.equal(signup.statusCode, 202);
      assert.equal(await grantCount('frank@example.com'), 0);
      assert.equal((await acceptJson(token, { password: PASSWORD })).statusCode, 410);
      assert.equal(await grantCount('frank@example.com'), 0);
    });

    test('inviting the same address to the same scope again supersedes the first invitation', async () => {
      const first = await inviteAs(aliceAuth, { email: 'gina@example.com' });
      const second = await inviteAs(aliceAuth, { email: 'GINA@example.com' });
      assert.notEqual(first.token, second.token);
      assert.equal((await acceptJson(first.token, { password: PASSWORD })).json().code, 'token_revoked');
      const open = (await t.app.inject({ method: 'GET', url: '/v1/invitations', headers: aliceAuth })).json()
        .invitations;
      assert.deepEqual(
        open
          .filter((i: { email: string }) => i.email.toLowerCase() === 'gina@example.com')
          .map((i: { id: string }) => i.id),
        [second.body.id],
      );
      assert.equal((await acceptJson(second.token, { password: PASSWORD })).statusCode, 200);
      assert.equal(await grantCount('gina@example.com'), 1);
    });

    test('a concurrent double accept gives exactly one grant, on both paths', async () => {
      const hank = await insertUser(t.ctx, 'hank@example.com', { password: PASSWORD });
      const hankAuth = await bearer(hank);
      const existing = await inviteAs(aliceAuth, { email: 'hank@example.com' });
      const results = await Promise.all(
        Array.from({ length: 8 }, () => acceptJson(existing.token, {}, hankAuth)),
      );
      assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 410, 410, 410, 410, 410, 410, 410]);
      assert.equal(await grantCount('hank@example.com'), 1);

      const fresh = await inviteAs(aliceAuth, { email: 'iris@example.com' });
      const created = await Promise.all(
        Array.from({ length: 4 }, () => acceptJson(fresh.token, { password: PASSWORD })),
      );
      assert.deepEqual(created.map((r) => r.statusCode).sort(), [200, 410, 410, 410]);
      const users = await t.ctx.db
        .selectFrom('users')
        .select('id')
        .where('email_normalized', '=', 'iris@example.com')
        .execute();
      assert.equal(users.length, 1);
      assert.equal(await grantCount('iris@example.com'), 1);
    });

    test('an unverified claim on the invited address is taken over by the invitee, as a sign-up would', async () => {
      await t.app.inject({
        method: 'POST',
        url: '/v1/users',
        payload: { email: 'judy@example.com', password: 'the squatter password 42' },
      });
      const { token } = await inviteAs(aliceAuth, { email: 'judy@example.com' });
      assert.equal((await inspect(token)).json().accountExists, false);
      const accepted = await acceptJson(token, { password: PASSWORD });
      assert.equal(accepted.json().status, 'account_created');
      const login = (password: string) =>
        t.app.inject({
          method: 'POST',
          url: '/v1/sessions',
          payload: { email: 'judy@example.com', password },
        });
      assert.equal((await login('the squatter password 42')).statusCode, 401);
      assert.equal((await login(PASSWORD)).statusCode, 200);
    });

    test('roles cannot be handed out by those who do not hold them', async () => {
      const kim = await insertUser(t.ctx, 'kim@example.com', { password: PASSWORD });
      const kimAuth = await bearer(kim);
      for (const payload of [
        { email: 'x@example.com', scope: 'team-1', role: 'member' },
        { email: 'x@example.com', role: 'admin' },
      ]) {
        const refused = await t.app.inject({
          method: 'POST',
          url: '/v1/invitations',
          headers: kimAuth,
          payload,
        });
        assert.equal(refused.statusCode, 403, JSON.stringify(payload));
        assert.equal(refused.json().code, 'not_allowed');
      }
      assert.equal((await inbox.to(t.ctx, 'x@example.com')).length, 0);
      // Holding a role lets one pass that same role on, and nothing more.
      await t.app.inject({
        method: 'POST',
        url: '/v1/grants',
        headers: apiHeaders,
        payload: { userId: kim.id, scope: 'team-2', role: 'editor' },
      });
      await inviteAs(kimAuth, { email: 'x@example.com', scope: 'team-2', role: 'editor' });
      const owner = await t.app.inject({
        method: 'POST',
        url: '/v1/invitations',
        headers: kimAuth,
        payload: { email: 'y@example.com', scope: 'team-2', role: 'owner' },
      });
      assert.equal(owner.statusCode, 403);
      const noKey = await t.app.inject({
        method: 'POST',
        url: '/v1/grants',
        headers: kimAuth,
        payload: { userId: kim.id, scope: 'team-2', role: 'owner' },
      });
      assert.equal(noKey.statusCode, 401);
    });

    test('accepting as a new account takes the address lock a sign-up takes, so the two cannot both insert', {
      skip: dialect === 'sqlite' && 'SQLite runs one write transaction at a time anyway',
    }, async () => {
      const email = 'race@example.com';
      const { token } = await inviteAs(aliceAuth, { email });
      let settled = false;
      let accepted: Awaited<ReturnType<typeof acceptJson>> | undefined;
      await t.ctx.db.transaction().execute(async (trx) => {
        // What a sign-up of the address holds while it looks for the account and inserts it.
        await lockRecipient(t.ctx, trx, email);
        const pending = acceptJson(token, { password: PASSWORD }).then((res) => {
          settled = true;
          accepted = res;
        });
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.equal(settled, false, 'the acceptance waits for the lock');
        void pending;
      });
      for (let i = 0; i < 100 && !settled; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(accepted?.statusCode, 200, 'then it goes through');
    });

    test('bad input and missing sessions are refused', async () => {
      assert.equal(
        (await t.app.inject({ method: 'POST', url: '/v1/invitations', payload: { email: 'a@example.com' } }))
          .statusCode,
        401,
      );
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/invitations' })).statusCode, 401);
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/me/grants' })).statusCode, 401);
      for (const payload of [
        {},
        { email: 'not an email' },
        { email: 'a@example.com', scope: 'has space' },
        { email: 'a@example.com', role: '' },
        { email: 'a@example.com', extra: 1 },
      ]) {
        const response = await t.app.inject({
          method: 'POST',
          url: '/v1/invitations',
          headers: aliceAuth,
          payload,
        });
        assert.equal(response.statusCode, 422, JSON.stringify(payload));
      }
      for (const token of ['', 'x', 'A'.repeat(43)]) {
        assert.equal((await acceptJson(token, { password: PASSWORD })).statusCode, 400);
        assert.equal((await inspect(token)).statusCode, 400);
        assert.equal((await t.app.inject({ method: 'GET', url: `/invite?token=${token}` })).statusCode, 400);
      }
      const crossSite = await t.app.inject({
        method: 'POST',
        url: '/invite',
        headers: { origin: 'https://evil.test', 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'token=x&password=y',
      });
      assert.equal(crossSite.statusCode, 403);
    });

    test('the page form creates the account and logs in with a cookie', async () => {
      const { token, link } = await inviteAs(aliceAuth, { email: 'lena@example.com' });
      const form = (password: string) =>
        t.app.inject({
          method: 'POST',
          url: '/invite',
          headers: { origin: t.config.publicUrl, 'content-type': 'application/x-www-form-urlencoded' },
          payload: `token=${encodeURIComponent(token)}&password=${encodeURIComponent(password)}`,
        });
      const weak = await form('tiny');
      assert.equal(weak.statusCode, 422);
      assert.match(weak.body, /aria-invalid="true"/);
      assert.match(weak.body, /lena@example\.com/);
      const done = await form(PASSWORD);
      assert.equal(done.statusCode, 303);
      const cookie = String(done.headers['set-cookie']).split(';')[0]!;
      const account = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie } });
      assert.match(account.body, /lena@example\.com/);
      assert.equal((await t.app.inject({ method: 'GET', url: pathOf(link) })).statusCode, 410);
    });
  });
}
