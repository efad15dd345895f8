import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { ConfigError } from '../src/config/env.ts';
import { insertUser } from './helpers/accounts.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { KEY_A } from './helpers/flows.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * OTO_API_KEYS with scopes: the forms it takes, the mistakes that stop start-up, and that each group
 * of key-guarded routes lets in the keys with its scope only (a bare key: every scope but admin).
 */

const KEY = {
  tokens: 'tokens-key-0123456789abcdefghij',
  newsletter: 'newsletter-key-0123456789abcdef',
  introspect: 'introspect-key-0123456789abcdef',
  admin: 'admin-key-0123456789abcdefghijkl',
  bare: 'bare-key-0123456789abcdefghijklm',
  all: 'all-scopes-key-0123456789abcdefg',
};
const OTO_API_KEYS = [
  `ci:tokens:${KEY.tokens}`,
  `mailer:newsletter:${KEY.newsletter}`,
  `backend:introspect:${KEY.introspect}`,
  `ops:admin:${KEY.admin}`,
  KEY.bare,
  `root:tokens+newsletter+introspect+admin:${KEY.all}`,
].join(',');

const parse = (value: string) => loadConfig({ OTO_API_KEYS: value }).apiKeys;
const refused = (value: string, message: RegExp) =>
  assert.throws(
    () => parse(value),
    (error: unknown) =>
      error instanceof ConfigError && /^OTO_API_KEYS: /.test(error.message) && message.test(error.message),
  );

describe('OTO_API_KEYS', () => {
  test('name:scopes:key, scopes joined by +, and bare keys side by side', () => {
    const keys = parse(` ci:tokens+newsletter:${KEY.tokens} , ${KEY.bare},ops:admin:${KEY.admin}`);
    assert.deepEqual(keys[0], { name: 'ci', scopes: ['tokens', 'newsletter'], key: KEY.tokens });
    assert.deepEqual(keys[2], { name: 'ops', scopes: ['admin'], key: KEY.admin });
    // A bare key keeps what every key could do before scopes: all but admin. Its name is a
    // fingerprint, never the key.
    assert.deepEqual(keys[1]!.scopes, ['tokens', 'newsletter', 'introspect']);
    assert.match(keys[1]!.name, /^key-[0-9a-f]{8}$/);
    assert.ok(!KEY.bare.includes(keys[1]!.name.slice(4)));
  });

  test('a key may hold colons: everything after the second is the key', () => {
    const [key] = parse('ci:tokens:abc:def:0123456789abcdefghijkl');
    assert.equal(key!.key, 'abc:def:0123456789abcdefghijkl');
    // One colon is still a bare key, as it was before scopes.
    const [bare] = parse('abc:0123456789abcdefghijklmnop');
    assert.equal(bare!.key, 'abc:0123456789abcdefghijklmnop');
    assert.ok(!bare!.scopes.includes('admin'));
  });

  test('mistakes stop start-up and name the variable', () => {
    refused(`ci:tokens+everything:${KEY.tokens}`, /unknown scope "everything"/);
    refused(`ci::${KEY.tokens}`, /unknown scope ""/);
    refused(`ci:Tokens:${KEY.tokens}`, /unknown scope "Tokens"/);
    refused('ci:tokens:short-key', /at least 24 characters long \(key "ci"\)/);
    refused('short-bare-key', /at least 24 characters long/);
    refused(`:tokens:${KEY.tokens}`, /name must be/);
    refused(`c i:tokens:${KEY.tokens}`, /name must be/);
    refused(`ci:tokens:${KEY.tokens},ci:admin:${KEY.admin}`, /the name "ci" is given to two keys/);
  });

  test('unset or blank: no keys', () => {
    assert.deepEqual(loadConfig({}).apiKeys, []);
    assert.deepEqual(loadConfig({ OTO_API_KEYS: '  ' }).apiKeys, []);
  });
});

for (const { dialect, skip } of DIALECTS) {
  describe(`API key scopes on ${dialect}`, { skip }, () => {
    let t: TestApp;
    let userId: string;
    before(async () => {
      t = await startTestApp(dialect, { OTO_API_KEYS, OTO_SIGNING_KEYS: KEY_A });
      userId = (await insertUser(t.ctx, 'someone@example.com')).id;
    });
    after(() => t?.close());

    // One request of each guarded group; each would change something if it were let in.
    const requests = {
      tokens: () => ({
        method: 'POST',
        url: '/v1/tokens',
        payload: { purpose: 'magic_link', subject: 's:1' },
      }),
      newsletter: () => ({
        method: 'POST',
        url: '/v1/newsletters',
        payload: { subject: 'News', text: 'Hello' },
      }),
      introspect: () => ({
        method: 'POST',
        url: '/v1/sessions/introspect',
        payload: { token: 'x'.repeat(43) },
      }),
      grants: () => ({
        method: 'POST',
        url: '/v1/grants',
        payload: { userId, scope: 'team:1', role: 'member' },
      }),
      admin: () => ({ method: 'POST', url: `/v1/admin/users/${userId}/sessions/revoke` }),
    } as const;
    const scopeOf = {
      tokens: 'tokens',
      newsletter: 'newsletter',
      introspect: 'introspect',
      grants: 'introspect',
      admin: 'admin',
    };

    const call = (group: keyof typeof requests, key: string) =>
      t.app.inject({
        ...(requests[group]() as object),
        headers: { authorization: `Bearer ${key}` },
      } as never);

    async function counts() {
      const count = async (table: 'security_tokens' | 'newsletter_sends' | 'grants' | 'audit_events') =>
        Number(
          (
            await t.ctx.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      return {
        tokens: await count('security_tokens'),
        newsletters: await count('newsletter_sends'),
        grants: await count('grants'),
        audit: await count('audit_events'),
      };
    }

    test('a key without the group’s scope gets 403 insufficient_scope, and nothing changes', async () => {
      const before = await counts();
      for (const group of Object.keys(requests) as (keyof typeof requests)[]) {
        for (const [holder, key] of Object.entries(KEY)) {
          if (holder === scopeOf[group] || holder === 'all') continue;
          if (holder === 'bare' && group !== 'admin') continue;
          const res = await call(group, key);
          assert.equal(res.statusCode, 403, `${holder} key on ${group}: ${res.body}`);
          assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
          assert.equal(res.json().code, 'insufficient_scope');
          assert.match(res.json().detail, new RegExp(`"${scopeOf[group]}"`));
        }
      }
      assert.deepEqual(await counts(), before);
    });

    test('a key with the scope gets in; a bare key gets into everything but admin', async () => {
      for (const group of Object.keys(requests) as (keyof typeof requests)[]) {
        const own = KEY[scopeOf[group] as keyof typeof KEY];
        for (const key of group === 'admin' ? [own, KEY.all] : [own, KEY.bare, KEY.all]) {
          const res = await call(group, key);
          assert.ok(res.statusCode >= 200 && res.statusCode < 300, `${group}: ${res.statusCode} ${res.body}`);
        }
      }
    });

    test('an unknown key or none is 401, before any scope is looked at', async () => {
      for (const group of Object.keys(requests) as (keyof typeof requests)[]) {
        assert.equal((await call(group, 'not-a-configured-key-0123456789')).statusCode, 401);
        const none = await t.app.inject(requests[group]() as never);
        assert.equal(none.statusCode, 401);
        assert.equal(none.json().code, 'unauthorized');
      }
    });

    test('no key ever appears in the logs', () => {
      const logs = t.logs.text();
      assert.ok(logs.length > 0);
      for (const key of Object.values(KEY)) assert.ok(!logs.includes(key), 'a key was logged');
    });
  });
}
