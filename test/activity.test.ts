import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { recordAudit } from '../src/audit.ts';
import { insertUser } from './helpers/accounts.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { DIALECTS } from './helpers/storage.ts';

const PASSWORD = 'correct horse battery staple';

interface ActivityBody {
  events: Array<{ id: string; event: string; at: string; ip: string | null; detail: unknown }>;
  nextBefore: string | null;
}

for (const { dialect, skip } of DIALECTS) {
  describe(`GET /v1/me/activity on ${dialect}`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect);
    });
    after(() => t?.close());

    async function logIn(email: string, password = PASSWORD) {
      return t.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        payload: { email, password },
        remoteAddress: '203.0.113.7',
      });
    }
    const activity = (sessionToken: string, query = '') =>
      t.app.inject({
        method: 'GET',
        url: `/v1/me/activity${query}`,
        headers: { authorization: `Bearer ${sessionToken}` },
      });

    test("a user sees their own events, newest first, and no one else's", async () => {
      const alice = await insertUser(t.ctx, 'alice@example.com', { password: PASSWORD });
      const bob = await insertUser(t.ctx, 'bob@example.com', { password: PASSWORD });
      assert.equal((await logIn('alice@example.com', 'wrong password, clearly')).statusCode, 401);
      t.clock.advance(1000);
      await recordAudit(t.ctx.db, t.ctx.clock, { event: 'sessions.revoked', userId: bob.id });
      const session = (await logIn('alice@example.com')).json().sessionToken as string;

      const res = await activity(session);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['cache-control'], 'no-store');
      const body = res.json() as ActivityBody;
      assert.deepEqual(
        body.events.map((e) => e.event),
        ['login.succeeded', 'login.failed'],
      );
      assert.equal(body.events[0]!.ip, '203.0.113.7');
      assert.deepEqual(body.events[1]!.detail, { reason: 'wrong_password' });
      assert.ok(Date.parse(body.events[0]!.at) > Date.parse(body.events[1]!.at));
      assert.equal(body.nextBefore, null);
      assert.ok(!res.body.includes(session) && !res.body.includes(PASSWORD));
      assert.ok(!res.body.includes(bob.id));
      assert.ok(!res.body.includes(alice.password_hash!));
    });

    test('pages through older events with nextBefore, with none skipped or repeated', async () => {
      const carol = await insertUser(t.ctx, 'carol@example.com', { password: PASSWORD });
      // Five events in one millisecond, then two later ones.
      for (let i = 0; i < 5; i++)
        await recordAudit(t.ctx.db, t.ctx.clock, { event: 'login.failed', userId: carol.id });
      t.clock.advance(5);
      await recordAudit(t.ctx.db, t.ctx.clock, { event: 'sessions.revoked', userId: carol.id });
      const session = (await logIn('carol@example.com')).json().sessionToken as string;

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await activity(
          session,
          `?limit=3${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`,
        );
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json() as ActivityBody;
        assert.ok(body.events.length <= 3);
        seen.push(...body.events.map((e) => e.id));
        cursor = body.nextBefore;
        pages++;
      } while (cursor !== null && pages < 10);
      assert.equal(pages, 3);
      assert.equal(seen.length, 7);
      assert.equal(new Set(seen).size, 7);
    });

    test('needs a session; a bad limit or cursor is a 422', async () => {
      const anonymous = await t.app.inject({ method: 'GET', url: '/v1/me/activity' });
      assert.equal(anonymous.statusCode, 401);
      await insertUser(t.ctx, 'dave@example.com', { password: PASSWORD });
      const session = (await logIn('dave@example.com')).json().sessionToken as string;
      for (const query of ['?limit=0', '?limit=101', '?limit=ten', '?before=yesterday', '?other=1']) {
        const res = await activity(session, query);
        assert.equal(res.statusCode, 422, query);
        assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
      }
    });
  });
}
