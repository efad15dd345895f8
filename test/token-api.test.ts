import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiHeaders, startTestApp, type TestApp } from './helpers/app.ts';
import { DIALECTS } from './helpers/storage.ts';

for (const { dialect, skip } of DIALECTS) {
  describe(`token API on ${dialect}`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect);
    });
    after(() => t?.close());

    const post = (url: string, payload: unknown, headers: Record<string, string> = apiHeaders) =>
      t.app.inject({ method: 'POST', url, payload: payload as object, headers });

    async function issue(body: Record<string, unknown>) {
      const res = await post('/v1/tokens', body);
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { token: string; id: string; expiresAt: string };
    }

    async function tokenCount(): Promise<number> {
      const row = await t.ctx.db
        .selectFrom('security_tokens')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    }

    test('issue, inspect, consume, then a second consume is 410 token_used', async () => {
      const issued = await issue({
        purpose: 'magic_link',
        subject: 'user:1',
        ttlSeconds: 600,
        data: { next: '/x' },
      });
      assert.match(issued.token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(Date.parse(issued.expiresAt), t.clock.now() + 600_000);

      const inspected = await post('/v1/tokens/inspect', { purpose: 'magic_link', token: issued.token });
      assert.equal(inspected.statusCode, 200);
      assert.deepEqual(inspected.json(), {
        state: 'active',
        subject: 'user:1',
        data: { next: '/x' },
        expiresAt: issued.expiresAt,
      });

      const consumed = await post('/v1/tokens/consume', { purpose: 'magic_link', token: issued.token });
      assert.equal(consumed.statusCode, 200);
      assert.deepEqual(consumed.json(), { subject: 'user:1', data: { next: '/x' } });
      assert.equal(consumed.headers['cache-control'], 'no-store');

      const again = await post('/v1/tokens/consume', { purpose: 'magic_link', token: issued.token });
      assert.equal(again.statusCode, 410);
      assert.equal(again.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(again.json().code, 'token_used');
    });

    test('expired, revoked, wrong-purpose and unknown tokens get their codes', async () => {
      const expiring = await issue({ purpose: 'otp', subject: 'a', ttlSeconds: 1 });
      t.clock.advance(1000);
      const expired = await post('/v1/tokens/consume', { purpose: 'otp', token: expiring.token });
      assert.equal(expired.statusCode, 410);
      assert.equal(expired.json().code, 'token_expired');

      const revokedToken = await issue({ purpose: 'otp', subject: 'b' });
      const revoke = await post('/v1/tokens/revoke', { purpose: 'otp', subject: 'b' });
      assert.deepEqual(revoke.json(), { revoked: 1 });
      const revoked = await post('/v1/tokens/consume', { purpose: 'otp', token: revokedToken.token });
      assert.equal(revoked.statusCode, 410);
      assert.equal(revoked.json().code, 'token_revoked');

      const other = await issue({ purpose: 'otp', subject: 'c' });
      const wrongPurpose = await post('/v1/tokens/consume', { purpose: 'invite', token: other.token });
      assert.equal(wrongPurpose.statusCode, 400);
      assert.equal(wrongPurpose.json().code, 'token_invalid');
      for (const token of ['nope', 'A'.repeat(43), '']) {
        const res = await post('/v1/tokens/consume', { purpose: 'otp', token });
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().code, 'token_invalid');
      }
      assert.equal(
        (await post('/v1/tokens/consume', { purpose: 'otp', token: other.token })).statusCode,
        200,
      );
    });

    test('a superseded token answers token_superseded and the newest works', async () => {
      const first = await issue({ purpose: 'confirm', subject: 'order:9' });
      const second = await issue({ purpose: 'confirm', subject: 'order:9' });
      assert.equal(
        (await post('/v1/tokens/consume', { purpose: 'confirm', token: first.token })).json().code,
        'token_superseded',
      );
      assert.equal(
        (await post('/v1/tokens/consume', { purpose: 'confirm', token: second.token })).statusCode,
        200,
      );
    });

    test('inspect of an unknown token says unknown and reveals nothing', async () => {
      const res = await post('/v1/tokens/inspect', { purpose: 'otp', token: 'B'.repeat(43) });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { state: 'unknown', subject: null, data: null, expiresAt: null });
    });

    test('a missing or wrong API key is 401 and changes nothing', async () => {
      const before = await tokenCount();
      for (const headers of [
        {} as Record<string, string>,
        { authorization: 'Bearer wrong-key-0123456789abcdefghij' },
        { authorization: 'Basic x' },
      ]) {
        const res = await post('/v1/tokens', { purpose: 'p', subject: 's' }, headers);
        assert.equal(res.statusCode, 401);
        assert.equal(res.json().code, 'unauthorized');
        assert.equal(res.headers['www-authenticate'], 'Bearer');
      }
      assert.equal(await tokenCount(), before);
    });

    test('invalid bodies get 4xx problems naming the problem, and change nothing', async () => {
      const before = await tokenCount();
      const cases: Array<[unknown, number, string]> = [
        [{ purpose: 'Bad Purpose', subject: 's' }, 422, 'purpose'],
        [{ purpose: 'p', subject: '' }, 422, 'subject'],
        [{ purpose: 'p' }, 422, 'subject'],
        [{ purpose: 5, subject: 's' }, 422, 'purpose'],
        [{ purpose: 'p', subject: 's', ttlSeconds: 0 }, 422, 'ttlSeconds'],
        [{ purpose: 'p', subject: 's', ttlSeconds: 31_536_001 }, 422, 'ttlSeconds'],
        [{ purpose: 'p', subject: 's', ttlSeconds: '60' }, 422, 'ttlSeconds'],
        [{ purpose: 'p', subject: 's', data: [1, 2] }, 422, 'data'],
        [{ purpose: 'p', subject: 's', data: { big: 'x'.repeat(5000) } }, 422, 'data'],
        [{ purpose: 'p', subject: 's', extra: true }, 422, 'extra'],
        [[1, 2, 3], 422, '(body)'],
      ];
      for (const [body, status, field] of cases) {
        const res = await post('/v1/tokens', body);
        assert.equal(res.statusCode, status, `${JSON.stringify(body)} → ${res.body}`);
        const problem = res.json();
        assert.equal(problem.code, 'invalid_input');
        assert.ok(
          problem.errors.some((e: { field: string }) => e.field === field),
          `${JSON.stringify(body)} should name ${field}: ${res.body}`,
        );
      }
      assert.equal(await tokenCount(), before);
    });

    test('malformed JSON, a wrong content type and a 1 MB body are 4xx', async () => {
      const before = await tokenCount();
      const malformed = await t.app.inject({
        method: 'POST',
        url: '/v1/tokens',
        headers: { ...apiHeaders, 'content-type': 'application/json' },
        payload: '{"purpose": "p", "subject": ',
      });
      assert.equal(malformed.statusCode, 400);
      assert.equal(malformed.json().code, 'malformed_body');

      const text = await t.app.inject({
        method: 'POST',
        url: '/v1/tokens',
        headers: { ...apiHeaders, 'content-type': 'text/plain' },
        payload: 'purpose=p',
      });
      assert.equal(text.statusCode, 415);
      assert.equal(text.json().code, 'unsupported_media_type');

      const huge = await t.app.inject({
        method: 'POST',
        url: '/v1/tokens',
        headers: { ...apiHeaders, 'content-type': 'application/json' },
        payload: JSON.stringify({ purpose: 'p', subject: 's', data: { blob: 'x'.repeat(1024 * 1024) } }),
      });
      assert.equal(huge.statusCode, 413);
      assert.equal(huge.json().code, 'body_too_large');
      assert.equal(await tokenCount(), before);
    });

    test('the token never appears in the logs, and neither does the API key', async () => {
      const issued = await issue({ purpose: 'logcheck', subject: 'z' });
      await post('/v1/tokens/consume', { purpose: 'logcheck', token: issued.token });
      await t.app.inject({ method: 'GET', url: `/v1/tokens?token=${issued.token}`, headers: apiHeaders });
      const logs = t.logs.text();
      assert.ok(logs.includes('/v1/tokens/consume'), 'requests are logged');
      assert.ok(!logs.includes(issued.token), 'a token was logged');
      assert.ok(!logs.includes(apiHeaders.authorization.slice(7)), 'the API key was logged');
    });

    test('healthz answers, readyz checks the database, unknown routes are problem+json 404', async () => {
      assert.deepEqual((await t.app.inject({ url: '/healthz' })).json(), { status: 'ok' });
      assert.deepEqual((await t.app.inject({ url: '/readyz' })).json(), { status: 'ready' });
      const missing = await t.app.inject({ url: '/nowhere' });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'not_found');
      const secret = 's'.repeat(300);
      const long = await t.app.inject({ method: 'DELETE', url: `/v1/invitations/${secret}` });
      assert.equal(long.statusCode, 414);
      assert.equal(long.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.ok(!long.body.includes(secret), 'the path is echoed');
      const bad = await t.app.inject({ url: '/v1/invitations/%zz' });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'bad_request');
    });
  });
}
