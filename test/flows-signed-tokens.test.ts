import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { loadConfig } from '../src/config/config.ts';
import { ConfigError } from '../src/config/env.ts';
import { newId } from '../src/db/ids.ts';
import { keyRingFor, readOrCreateDevKeys } from '../src/tokens/keyring.ts';
import { generateSigningKey, parseKeyRing, signToken, verifyToken } from '../src/tokens/signed.ts';

const KEY_A = `a:${'1'.repeat(64)}`;
const KEY_B = `b:${Buffer.alloc(32, 7).toString('base64url')}`;
const ringA = parseKeyRing(KEY_A);
const userId = newId();
const issuedAt = Date.UTC(2030, 0, 1);

function sign(ring = ringA, purpose = 'unsubscribe', id = userId) {
  return signToken(ring, { purpose, userId: id, issuedAt });
}

describe('signed tokens', () => {
  test('a token verifies for its purpose and gives back the user and the instant', () => {
    const result = verifyToken(ringA, 'unsubscribe', sign());
    assert.deepEqual(result, { ok: true, userId, issuedAt, keyId: 'a' });
  });

  test('a token for one purpose is refused for any other', () => {
    const token = sign(ringA, 'unsubscribe');
    assert.deepEqual(verifyToken(ringA, 'unsubscribe.weekly', token), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(verifyToken(ringA, 'invitation', token), { ok: false, reason: 'bad_signature' });
  });

  test('a token is refused by a ring that lacks its key, and by one that has another secret under its id', () => {
    const token = sign(ringA);
    assert.deepEqual(verifyToken(parseKeyRing(KEY_B), 'unsubscribe', token), {
      ok: false,
      reason: 'unknown_key',
    });
    const impostor = parseKeyRing(`a:${'2'.repeat(64)}`);
    assert.deepEqual(verifyToken(impostor, 'unsubscribe', token), { ok: false, reason: 'bad_signature' });
  });

  test('rotation: the first key signs, old keys verify until removed', () => {
    const old = sign(parseKeyRing(KEY_A));
    const rotated = parseKeyRing(`${KEY_B},${KEY_A}`);
    const fresh = sign(rotated);
    assert.equal(verifyToken(rotated, 'unsubscribe', old).ok, true);
    assert.equal(verifyToken(rotated, 'unsubscribe', fresh).ok, true);
    assert.equal((verifyToken(rotated, 'unsubscribe', fresh) as { keyId: string }).keyId, 'b');
    const retired = parseKeyRing(KEY_B);
    assert.deepEqual(verifyToken(retired, 'unsubscribe', old), { ok: false, reason: 'unknown_key' });
    assert.equal(verifyToken(retired, 'unsubscribe', fresh).ok, true);
  });

  test('swapping the user id inside a token breaks its signature', () => {
    const bytes = Buffer.from(sign(), 'base64url');
    const other = Buffer.from(newId().replaceAll('-', ''), 'hex');
    other.copy(bytes, 2 + 1); // after version, key id length and the one-letter key id
    assert.deepEqual(verifyToken(ringA, 'unsubscribe', bytes.toString('base64url')), {
      ok: false,
      reason: 'bad_signature',
    });
  });

  test('an optional maximum age refuses old tokens', () => {
    const token = sign();
    assert.equal(verifyToken(ringA, 'unsubscribe', token, { maxAgeMs: 1000, now: issuedAt + 1000 }).ok, true);
    assert.deepEqual(verifyToken(ringA, 'unsubscribe', token, { maxAgeMs: 1000, now: issuedAt + 1001 }), {
      ok: false,
      reason: 'expired',
    });
  });

  test('malformed input is refused as malformed', () => {
    const token = sign();
    for (const bad of [
      undefined,
      null,
      42,
      {},
      [token],
      '',
      'x',
      token.slice(0, -1),
      `${token}A`,
      `${token}=`,
      token.replace(/^./, '+'),
      'A'.repeat(10_000),
      Buffer.from([2, ...Buffer.from(token, 'base64url').subarray(1)]).toString('base64url'),
    ]) {
      assert.equal(verifyToken(ringA, 'unsubscribe', bad).ok, false, `accepted ${String(bad).slice(0, 40)}`);
    }
  });

  test('a stored one-time token is not a signed token', () => {
    assert.deepEqual(verifyToken(ringA, 'unsubscribe', 'A'.repeat(43)), { ok: false, reason: 'malformed' });
  });
});

describe('signed tokens, property-based', () => {
  const purposes = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,20}$/);
  const claims = fc.record({
    purpose: purposes,
    userId: fc.uuid({ version: 7 }),
    issuedAt: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
  });

  test('every signed token verifies, with the claims it was made with', () => {
    fc.assert(
      fc.property(claims, (c) => {
        const result = verifyToken(ringA, c.purpose, signToken(ringA, c));
        return result.ok && result.userId === c.userId && result.issuedAt === c.issuedAt;
      }),
    );
  });

  test('no change of one character, however made, is ever accepted', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/.~ \u00e9\u0000';
    fc.assert(
      fc.property(
        claims,
        fc.nat(),
        fc.constantFrom(...alphabet),
        fc.constantFrom('replace', 'insert', 'delete'),
        (c, at, char, edit) => {
          const token = signToken(ringA, c);
          const i = at % token.length;
          const mutated =
            edit === 'replace'
              ? token.slice(0, i) + char + token.slice(i + 1)
              : edit === 'insert'
                ? token.slice(0, i) + char + token.slice(i)
                : token.slice(0, i) + token.slice(i + 1);
          fc.pre(mutated !== token);
          return !verifyToken(ringA, c.purpose, mutated).ok;
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('no flipped bit, truncation or extension of the bytes is ever accepted', () => {
    fc.assert(
      fc.property(
        claims,
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        fc.uint8Array({ maxLength: 8 }),
        (c, at, bit, tail) => {
          const bytes = Buffer.from(signToken(ringA, c), 'base64url');
          const flipped = Buffer.from(bytes);
          flipped[at % bytes.length]! ^= 1 << bit;
          const cut = bytes.subarray(0, at % bytes.length);
          const longer = Buffer.concat([bytes, Buffer.from(tail)]);
          return [flipped, cut, tail.length > 0 ? longer : flipped].every(
            (candidate) => !verifyToken(ringA, c.purpose, candidate.toString('base64url')).ok,
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('arbitrary input never throws and is never accepted', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.base64String({ maxLength: 160 }), fc.anything()),
        (input) => {
          return !verifyToken(ringA, 'unsubscribe', input).ok;
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('a token never verifies for another purpose', () => {
    fc.assert(
      fc.property(claims, purposes, (c, other) => {
        fc.pre(other !== c.purpose);
        return !verifyToken(ringA, other, signToken(ringA, c)).ok;
      }),
    );
  });
});

describe('signing key ring', () => {
  test('OTO_SIGNING_KEYS takes hex or base64url secrets of at least 32 bytes; the first key signs', () => {
    const ring = parseKeyRing(`${KEY_B}, ${KEY_A}`);
    assert.equal(ring.signing.id, 'b');
    assert.deepEqual([...ring.keys.keys()], ['b', 'a']);
    assert.equal(ring.keys.get('a')!.secret.length, 32);
  });

  test('bad key lists are refused with a message naming the variable and never the secret', () => {
    const short = `k:${'ab'.repeat(31)}`;
    for (const [raw, message] of [
      ['', /no key found/],
      ['nocolon', /id:secret/],
      [`:${'1'.repeat(64)}`, /id:secret/],
      [short, /at least 32 random bytes, got 31/],
      [`k:${'!'.repeat(50)}`, /hex or base64url/],
      [`${KEY_A},${KEY_A}`, /appears twice/],
    ] as const) {
      assert.throws(
        () => parseKeyRing(raw),
        (error: Error) =>
          error instanceof ConfigError &&
          error.message.startsWith('OTO_SIGNING_KEYS: ') &&
          message.test(error.message) &&
          !error.message.includes('abab'),
      );
    }
  });

  test('`oto keys generate` output is a valid key list of one fresh key', () => {
    const one = generateSigningKey();
    const two = generateSigningKey();
    assert.notEqual(one, two);
    const ring = parseKeyRing(one);
    assert.equal(ring.signing.secret.length, 32);
    assert.match(ring.signing.id, /^k\d{8}-[0-9a-f]{6}$/);
  });

  test('PostgreSQL or NODE_ENV=production without keys refuses, naming OTO_SIGNING_KEYS', () => {
    for (const env of [
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' },
      {
        NODE_ENV: 'production',
        PUBLIC_URL: 'https://auth.example.com',
        METRICS: 'false',
        DATABASE_URL: 'sqlite:/nonexistent/oto.db',
      },
    ]) {
      assert.throws(() => keyRingFor(loadConfig(env)), /^ConfigError: OTO_SIGNING_KEYS: is required/);
    }
    const ring = keyRingFor(
      loadConfig({
        NODE_ENV: 'production',
        PUBLIC_URL: 'https://auth.example.com',
        METRICS: 'false',
        OTO_SIGNING_KEYS: KEY_A,
      }),
    );
    assert.equal(ring.signing.id, 'a');
  });

  test('development keeps one generated key beside the SQLite file, private to its owner', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oto-keys-'));
    try {
      const config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'data', 'oto.db')}` });
      const first = keyRingFor(config);
      const file = join(dir, 'data', 'signing-keys');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      // A second process (a fresh config) reads the same key, so yesterday's links still verify.
      const second = keyRingFor(loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'data', 'oto.db')}` }));
      assert.deepEqual(second.signing, first.signing);
      assert.equal(verifyToken(second, 'unsubscribe', sign(first)).ok, true);
      assert.match(readFileSync(file, 'utf8'), /^k\d{8}-[0-9a-f]{6}:[A-Za-z0-9_-]{43}$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a key file left readable by others is made private again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oto-keys-'));
    try {
      const file = join(dir, 'signing-keys');
      writeFileSync(file, `${KEY_A}\n`, { mode: 0o644 });
      assert.equal(readOrCreateDevKeys(file).signing.id, 'a');
      assert.equal(statSync(file).mode & 0o777, 0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
