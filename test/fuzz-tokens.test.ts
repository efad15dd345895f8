import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { manualClock } from '../src/clock.ts';
import { generateToken, isWellFormedToken } from '../src/tokens/secret.ts';
import { parseKeyRing, signToken, verifyToken } from '../src/tokens/signed.ts';
import { createTokenEngine, type TokenEngine } from '../src/tokens/tokens.ts';
import { KEY_A, KEY_B } from './helpers/flows.ts';
import { bitFlippedToken, mutatedToken, oddStrings } from './helpers/fuzz.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/storage.ts';

/**
 * Token parsing and verification under random input: nothing throws, nothing malformed is taken
 * for a token, and no token changed by one character or one bit is ever accepted, for the stored
 * one-time tokens (engine) and the signed stateless ones (unsubscribe links).
 */

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 100);
const CANONICAL = /^[A-Za-z0-9_-]{43}$/;

describe('isWellFormedToken', () => {
  test('never throws, and accepts exactly the canonical 43-character base64url strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), oddStrings, fc.string({ minLength: 43, maxLength: 43 })),
        (value) => {
          const accepted = isWellFormedToken(value);
          if (accepted) {
            assert.match(value, CANONICAL);
            assert.equal(Buffer.from(value, 'base64url').length, 32);
            assert.equal(Buffer.from(value, 'base64url').toString('base64url'), value);
          }
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });

  test('accepts every token generateToken makes', () => {
    for (let i = 0; i < 1000; i++) assert.equal(isWellFormedToken(generateToken()), true);
  });

  test('refuses the non-canonical spellings of a real token (same bytes, other last character)', () => {
    // The last of 43 characters carries 4 bits and 2 unused ones: 3 other spellings decode to the
    // same 32 bytes. They must not pass for the token, or its hash (over the string) would differ.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let checked = 0;
    for (let i = 0; i < 200; i++) {
      const token = generateToken();
      for (const last of alphabet) {
        const other = token.slice(0, 42) + last;
        if (other === token || !Buffer.from(other, 'base64url').equals(Buffer.from(token, 'base64url')))
          continue;
        assert.equal(isWellFormedToken(other), false, `${other} passed as a spelling of ${token}`);
        checked++;
      }
    }
    assert.equal(checked, 600);
  });
});

for (const { dialect, skip } of DIALECTS) {
  describe(`the engine's consume under random and mutated tokens, on ${dialect}`, { skip }, () => {
    let database: TestDatabase;
    let tokens: TokenEngine;
    const clock = manualClock();

    before(async () => {
      database = await createTestDatabase(dialect);
      tokens = createTokenEngine({ clock, defaultTtlSeconds: () => 3600 });
    });
    after(() => database?.drop());

    test('arbitrary input is an unknown token, never an exception', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.anything(), oddStrings), async (value) => {
          const db = database.storage.db;
          assert.deepEqual(await tokens.consume(db, { purpose: 'p', token: value }), {
            ok: false,
            reason: 'unknown',
          });
          assert.deepEqual(await tokens.inspect(db, 'p', value), { state: 'unknown' });
        }),
        { numRuns: dialect === 'sqlite' ? RUNS : 20 },
      );
    });

    test('a token changed by one character or one bit is never accepted; the real one still is', async () => {
      const db = database.storage.db;
      const issued = await tokens.issue(db, { purpose: 'mutation', subject: 'fuzz' });
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(mutatedToken(issued.token), bitFlippedToken(issued.token)),
          async (mutant) => {
            if (mutant === issued.token) return;
            const result = await tokens.consume(db, { purpose: 'mutation', token: mutant });
            assert.equal(result.ok, false, `a mutant of a live token was accepted: ${mutant}`);
            assert.equal((await tokens.inspect(db, 'mutation', mutant)).state, 'unknown');
          },
        ),
        { numRuns: dialect === 'sqlite' ? RUNS : 30 },
      );
      assert.equal((await tokens.consume(db, { purpose: 'mutation', token: issued.token })).ok, true);
    });
  });
}

describe('signed tokens under random and mutated input', () => {
  const ring = parseKeyRing(KEY_A);
  const otherRing = parseKeyRing(KEY_B);
  const userId = '0190f3a0-1234-7abc-8def-0123456789ab';
  const token = signToken(ring, { purpose: 'unsubscribe', userId, issuedAt: Date.UTC(2030, 0, 1) });

  test('the genuine token verifies, for its purpose only, with its key only', () => {
    assert.deepEqual(verifyToken(ring, 'unsubscribe', token), {
      ok: true,
      userId,
      issuedAt: Date.UTC(2030, 0, 1),
      keyId: 'ka',
    });
    assert.equal(verifyToken(ring, 'invitation', token).ok, false);
    assert.equal(verifyToken(otherRing, 'unsubscribe', token).ok, false);
  });

  test('arbitrary input never throws and never verifies', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), oddStrings, fc.base64String()), (value) => {
        assert.equal(verifyToken(ring, 'unsubscribe', value).ok, false);
      }),
      { numRuns: RUNS * 5 },
    );
  });

  test('a token changed by one character or one bit, cut or extended, never verifies', () => {
    const cut = fc.nat({ max: token.length - 1 }).map((n) => token.slice(0, n));
    const extended = fc.string({ minLength: 1, maxLength: 8 }).map((tail) => token + tail);
    fc.assert(
      fc.property(fc.oneof(mutatedToken(token), bitFlippedToken(token), cut, extended), (mutant) => {
        if (mutant === token) return;
        assert.equal(verifyToken(ring, 'unsubscribe', mutant).ok, false, `mutant verified: ${mutant}`);
      }),
      { numRuns: RUNS * 5 },
    );
  });
});
