import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createClient, OtoProblemError } from '../src/client/client.ts';
import { apiHeaders, PUBLIC_URL, startTestApp, TEST_API_KEY, type TestApp } from './helpers/app.ts';
import { KEY_A } from './helpers/flows.ts';
import { createEmptySchema, type OtoProcess, startOto } from './helpers/instances.ts';
import { DIALECTS } from './helpers/storage.ts';

// The token API in code format: POST /v1/tokens {format: "code"} and /v1/tokens/consume {subject, code}.

function otherCode(code: string): string {
  return code.replace(/^./, (d) => String((Number(d) + 1) % 10));
}

for (const { dialect, skip } of DIALECTS) {
  describe(`token API codes (${dialect})`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect, { OTO_SIGNING_KEYS: KEY_A });
    });
    after(() => t?.close());

    const post = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url, headers: apiHeaders, payload });

    test('issue a code and consume it once with its subject', async () => {
      const issued = await post('/v1/tokens', {
        purpose: 'app_login',
        subject: 'order:1',
        format: 'code',
        data: { step: 2 },
      });
      assert.equal(issued.statusCode, 201);
      const body = issued.json();
      assert.match(body.code, /^\d{6}$/);
      assert.equal(body.token, undefined);
      assert.ok(Date.parse(body.expiresAt) - t.clock.now() <= 10 * 60_000, 'CODE_TTL by default');

      const consumed = await post('/v1/tokens/consume', {
        purpose: 'app_login',
        subject: 'order:1',
        code: body.code,
      });
      assert.equal(consumed.statusCode, 200);
      assert.deepEqual(consumed.json(), { subject: 'order:1', data: { step: 2 } });
      const again = await post('/v1/tokens/consume', {
        purpose: 'app_login',
        subject: 'order:1',
        code: body.code,
      });
      assert.equal(again.statusCode, 400);
      assert.equal(again.json().code, 'code_invalid');
    });

    test('digits sets the length; digits is for codes only and within 6 to 10', async () => {
      const eight = await post('/v1/tokens', {
        purpose: 'app_login',
        subject: 's8',
        format: 'code',
        digits: 8,
      });
      assert.match(eight.json().code, /^\d{8}$/);
      const short = await post('/v1/tokens', {
        purpose: 'app_login',
        subject: 's4',
        format: 'code',
        digits: 4,
      });
      assert.ok(short.statusCode >= 400 && short.statusCode < 500);
      const tokenWithDigits = await post('/v1/tokens', { purpose: 'app_login', subject: 's', digits: 8 });
      assert.equal(tokenWithDigits.statusCode, 422);
      const token = await post('/v1/tokens', { purpose: 'app_login', subject: 's' });
      assert.match(token.json().token, /^[A-Za-z0-9_-]{43}$/);
    });

    test('a code is refused for another subject, and that guess spends the other subject nothing', async () => {
      const issued = (
        await post('/v1/tokens', { purpose: 'app_login', subject: 'alice', format: 'code' })
      ).json();
      const wrongSubject = await post('/v1/tokens/consume', {
        purpose: 'app_login',
        subject: 'bob',
        code: issued.code,
      });
      assert.equal(wrongSubject.statusCode, 400);
      assert.equal(wrongSubject.json().code, 'code_invalid');
      const right = await post('/v1/tokens/consume', {
        purpose: 'app_login',
        subject: 'alice',
        code: issued.code,
      });
      assert.equal(right.statusCode, 200);
    });

    test('the budget: the 5th wrong code revokes the live code and issuing waits for the cool-down', async () => {
      const subject = 'budget';
      const issued = (await post('/v1/tokens', { purpose: 'app_login', subject, format: 'code' })).json();
      const answers: number[] = [];
      for (let i = 0; i < 5; i++)
        answers.push(
          (await post('/v1/tokens/consume', { purpose: 'app_login', subject, code: otherCode(issued.code) }))
            .statusCode,
        );
      assert.deepEqual(answers, [400, 400, 400, 400, 429]);
      const right = await post('/v1/tokens/consume', { purpose: 'app_login', subject, code: issued.code });
      assert.equal(right.statusCode, 429);
      assert.equal(right.json().code, 'code_cooldown');
      assert.ok(Number(right.headers['retry-after']) > 0);
      const refused = await post('/v1/tokens', { purpose: 'app_login', subject, format: 'code' });
      assert.equal(refused.statusCode, 429);
      // Another purpose of the same subject has a budget of its own.
      const other = await post('/v1/tokens', { purpose: 'app_other', subject, format: 'code' });
      assert.equal(other.statusCode, 201);
    });

    test('the typed client issues and consumes codes', async () => {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      const oto = createClient({ baseUrl, apiKey: TEST_API_KEY });
      const issued = await oto.issueToken({
        purpose: 'app_login',
        subject: 'client',
        format: 'code',
        digits: 7,
      });
      assert.match(issued.code ?? '', /^\d{7}$/);
      const consumed = await oto.consumeToken({
        purpose: 'app_login',
        subject: 'client',
        code: issued.code ?? '',
      });
      assert.equal(consumed.subject, 'client');
      const again = await oto
        .consumeToken({ purpose: 'app_login', subject: 'client', code: issued.code ?? '' })
        .catch((e: unknown) => e);
      assert.ok(again instanceof OtoProblemError);
      assert.equal(again.code, 'code_invalid');
    });
  });
}

describe('the code cool-down holds across two instances on one PostgreSQL', {
  skip: process.env['TEST_DATABASE_URL'] ? false : 'needs PostgreSQL: set TEST_DATABASE_URL',
}, () => {
  let schema: { url: string; drop(): Promise<void> };
  let instances: OtoProcess[] = [];

  before(async () => {
    schema = await createEmptySchema(process.env['TEST_DATABASE_URL']!);
    const env = {
      DATABASE_URL: schema.url,
      PUBLIC_URL,
      OTO_API_KEYS: TEST_API_KEY,
      OTO_SIGNING_KEYS: KEY_A,
      LOG_LEVEL: 'warn',
      DB_POOL_SIZE: '4',
    };
    instances = await Promise.all([startOto(env), startOto(env)]);
  });
  after(async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await schema?.drop();
  });

  async function call(instance: OtoProcess, path: string, body: object) {
    const res = await fetch(`${instance.url}${path}`, {
      method: 'POST',
      headers: { ...apiHeaders, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  }

  test('wrong guesses on one instance cool the subject down on the other', async () => {
    const [a, b] = instances as [OtoProcess, OtoProcess];
    const issued = await call(a, '/v1/tokens', { purpose: 'app_login', subject: 'shared', format: 'code' });
    assert.equal(issued.status, 201);
    const code = issued.body['code']!;
    // Spread over both instances: the budget is one row in the shared database.
    for (let i = 0; i < 5; i++)
      await call(i % 2 === 0 ? a : b, '/v1/tokens/consume', {
        purpose: 'app_login',
        subject: 'shared',
        code: otherCode(code),
      });
    const right = await call(b, '/v1/tokens/consume', { purpose: 'app_login', subject: 'shared', code });
    assert.equal(right.status, 429);
    const reissue = await call(b, '/v1/tokens', { purpose: 'app_login', subject: 'shared', format: 'code' });
    assert.equal(reissue.status, 429);
    assert.equal(reissue.body['code'], 'code_cooldown');
  });
});
