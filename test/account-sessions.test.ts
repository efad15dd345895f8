import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { truncateIp } from '../src/accounts/ip-prefix.ts';
import { describeUserAgent } from '../src/accounts/user-agent.ts';
import { hashToken } from '../src/tokens/secret.ts';
import { insertUser } from './helpers/accounts.ts';
import { PUBLIC_URL, startTestApp, type TestApp } from './helpers/app.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * Sessions and devices: GET /v1/me/sessions shows what a person needs to recognise a device and no
 * secret; DELETE /v1/me/sessions/{id} logs out one's own sessions only; revoke-others asks for the
 * password; and the list with its buttons on /account.
 */

const PASSWORD = 'correct horse battery staple';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI_IOS =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

describe('how a session is described', () => {
  test('the common browsers and systems in a few words', () => {
    const cases: [string | null, string][] = [
      [FIREFOX_LINUX, 'Firefox on Linux'],
      [SAFARI_IOS, 'Safari on iOS'],
      [
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
        'Chrome on Windows',
      ],
      [
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51',
        'Edge on Windows',
      ],
      [
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
        'Safari on macOS',
      ],
      [
        'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
        'Chrome on Android',
      ],
      [
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/110.0.0.0',
        'Opera on macOS',
      ],
      [
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15',
        'Firefox on iOS',
      ],
      ['curl/8.5.0', 'Unknown browser'],
      [null, 'Unknown browser'],
    ];
    for (const [ua, expected] of cases) assert.equal(describeUserAgent(ua), expected, String(ua));
  });

  test('only the network of the address: /24 for IPv4, /48 for IPv6', () => {
    assert.equal(truncateIp('203.0.113.77'), '203.0.113.0/24');
    assert.equal(truncateIp('::ffff:198.51.100.9'), '198.51.100.0/24');
    assert.equal(truncateIp('2001:db8:85a3:8d3:1319:8a2e:370:7348'), '2001:db8:85a3::/48');
    assert.equal(truncateIp('2001:db8::1'), '2001:db8::/48');
    assert.equal(truncateIp('not an address'), null);
  });
});

for (const { dialect, skip } of DIALECTS) {
  describe(`sessions and devices on ${dialect}`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect, { RATE_LIMIT_PER_MINUTE: '0' });
    });
    after(() => t?.close());

    const bearer = (session: string) => ({ authorization: `Bearer ${session}` });
    const logIn = async (email: string, from: { userAgent?: string; ip?: string } = {}) => {
      t.clock.advance(1000);
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        payload: { email, password: PASSWORD },
        headers: from.userAgent ? { 'user-agent': from.userAgent } : {},
        remoteAddress: from.ip ?? '127.0.0.1',
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().sessionToken as string;
    };
    const list = (session: string) =>
      t.app.inject({ method: 'GET', url: '/v1/me/sessions', headers: bearer(session) });
    const remove = (session: string, id: string) => {
      t.clock.advance(1000);
      return t.app.inject({ method: 'DELETE', url: `/v1/me/sessions/${id}`, headers: bearer(session) });
    };
    const me = async (session: string) =>
      (await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(session) })).statusCode;
    type Listed = { id: string; current: boolean; userAgent: string; ip: string | null; lastSeenAt: string };

    test('the list: this device first, readable browsers, truncated networks, no token or hash anywhere', async () => {
      const email = 'lister@example.com';
      await insertUser(t.ctx, email, { password: PASSWORD });
      const laptop = await logIn(email, { userAgent: FIREFOX_LINUX, ip: '203.0.113.77' });
      const phone = await logIn(email, { userAgent: SAFARI_IOS, ip: '2001:db8:85a3:8d3:1319:8a2e:370:7348' });

      const res = await list(phone);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['cache-control'], 'no-store');
      const { sessions } = res.json() as { sessions: (Listed & Record<string, unknown>)[] };
      assert.equal(sessions.length, 2);
      for (const s of sessions) {
        assert.deepEqual(Object.keys(s).sort(), [
          'createdAt',
          'current',
          'expiresAt',
          'id',
          'ip',
          'lastSeenAt',
          'userAgent',
        ]);
      }
      assert.deepEqual(
        sessions.map((s) => [s.current, s.userAgent, s.ip]),
        [
          [true, 'Safari on iOS', '2001:db8:85a3::/48'],
          [false, 'Firefox on Linux', '203.0.113.0/24'],
        ],
      );
      for (const token of [laptop, phone]) {
        assert.ok(!res.body.includes(token), 'no session token in the body');
        assert.ok(!res.body.includes(hashToken(token)), 'no token hash in the body');
      }

      const rows = await t.ctx.db.selectFrom('sessions').select('ip').where('ip', 'is not', null).execute();
      for (const { ip } of rows) assert.match(ip ?? '', /\/(24|48)$/, 'only the network is stored');
      assert.ok(!JSON.stringify(rows).includes('203.0.113.77'));
    });

    test('lastSeenAt moves at most once a minute', async () => {
      const email = 'seen@example.com';
      await insertUser(t.ctx, email, { password: PASSWORD });
      const session = await logIn(email);
      const seen = async () => ((await list(session)).json().sessions as Listed[])[0]!.lastSeenAt;
      const first = await seen();
      t.clock.advance(30_000);
      assert.equal(await seen(), first, 'half a minute later: not written again');
      t.clock.advance(31_000);
      assert.notEqual(await seen(), first, 'over a minute later: moved');
    });

    test('DELETE logs out one of your own sessions; any other id is 404, alike, and changes nothing', async () => {
      const email = 'owner@example.com';
      const other = 'someone-else@example.com';
      await insertUser(t.ctx, email, { password: PASSWORD });
      await insertUser(t.ctx, other, { password: PASSWORD });
      const here = await logIn(email);
      const lost = await logIn(email);
      const theirs = await logIn(other);
      const theirId = ((await list(theirs)).json().sessions as Listed[])[0]!.id;
      const lostId = ((await list(here)).json().sessions as Listed[]).find((s) => !s.current)!.id;

      const notMine = await remove(here, theirId);
      assert.equal(notMine.statusCode, 404);
      assert.equal(notMine.json().code, 'not_found');
      assert.equal(await me(theirs), 200, "the other user's session still works");
      const unknown = await remove(here, '00000000-0000-7000-8000-000000000000');
      const malformed = await remove(here, 'not-an-id');
      for (const res of [unknown, malformed]) {
        assert.equal(res.statusCode, 404);
        assert.deepEqual(res.json(), notMine.json(), 'unknown, malformed and foreign ids answer the same');
      }

      const removed = await remove(here, lostId);
      assert.equal(removed.statusCode, 204);
      assert.equal(await me(lost), 401, 'that device is logged out');
      assert.equal(await me(here), 200);
      assert.equal((await remove(here, lostId)).statusCode, 404, 'a second time it is gone');

      const hereId = ((await list(here)).json().sessions as Listed[])[0]!.id;
      assert.equal((await remove(here, hereId)).statusCode, 204, 'the current one can go too');
      assert.equal(await me(here), 401);
    });

    test('revoke-others asks for the password and ends every other session', async () => {
      const email = 'everywhere@example.com';
      await insertUser(t.ctx, email, { password: PASSWORD });
      const here = await logIn(email);
      const others = [await logIn(email), await logIn(email)];
      const revokeOthers = (payload: object) => {
        t.clock.advance(1000);
        return t.app.inject({
          method: 'POST',
          url: '/v1/me/sessions/revoke-others',
          payload,
          headers: bearer(here),
        });
      };

      assert.equal((await revokeOthers({})).statusCode, 422, 'missing password');
      const wrong = await revokeOthers({ currentPassword: 'not my password at all' });
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().code, 'invalid_credentials');
      for (const s of others) assert.equal(await me(s), 200, 'a refused request ends nothing');

      const done = await revokeOthers({ currentPassword: PASSWORD });
      assert.equal(done.statusCode, 200, done.body);
      assert.deepEqual(done.json(), { revoked: 2 });
      for (const s of others) assert.equal(await me(s), 401);
      assert.equal(await me(here), 200);
      assert.equal(((await list(here)).json().sessions as Listed[]).length, 1);
    });

    test('/account lists the sessions, marks this device, and logs out another one from its button', async () => {
      const email = 'page@example.com';
      const other = 'page-other@example.com';
      await insertUser(t.ctx, email, { password: PASSWORD });
      await insertUser(t.ctx, other, { password: PASSWORD });
      const here = await logIn(email, { userAgent: FIREFOX_LINUX });
      const phone = await logIn(email, { userAgent: SAFARI_IOS });
      const theirs = await logIn(other);
      const theirId = ((await list(theirs)).json().sessions as Listed[])[0]!.id;
      const phoneId = ((await list(phone)).json().sessions as Listed[]).find((s) => s.current)!.id;
      const cookie = `${t.config.sessions.cookieName}=${here}`;
      const press = (id: string) => {
        t.clock.advance(1000);
        return t.app.inject({
          method: 'POST',
          url: '/account/sessions/revoke',
          payload: new URLSearchParams({ id }).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL, cookie },
        });
      };

      const page = await t.app.inject({
        method: 'GET',
        url: '/account',
        headers: { cookie, 'user-agent': FIREFOX_LINUX },
      });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Firefox on Linux<\/strong> <em>\(this device\)<\/em>/);
      assert.match(page.body, /Safari on iOS<\/strong>\n/);
      assert.equal(
        page.body.match(/action="\/account\/sessions\/revoke"/g)?.length,
        1,
        'one button: the phone',
      );
      assert.ok(page.body.includes(`value="${phoneId}"`));
      assert.match(page.body, /Log out of all other devices/);

      const foreign = await press(theirId);
      assert.equal(foreign.statusCode, 303);
      assert.equal(foreign.headers.location, '/account');
      assert.equal(await me(theirs), 200, "another user's session cannot be logged out from here");

      const pressed = await press(phoneId);
      assert.equal(pressed.headers.location, '/account?session_revoked=1');
      assert.equal(await me(phone), 401);
      assert.equal(await me(here), 200);
    });
  });
}
