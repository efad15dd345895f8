import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { manualClock } from '../src/clock.ts';
import { purgeTokens } from '../src/tokens/purge.ts';
import { createTokenEngine, type TokenEngine } from '../src/tokens/tokens.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/storage.ts';

const HOUR = 3_600_000;

for (const { dialect, skip } of DIALECTS) {
  describe(`token engine on ${dialect}`, { skip }, () => {
    let database: TestDatabase;
    const clock = manualClock();
    let tokens: TokenEngine;

    before(async () => {
      database = await createTestDatabase(dialect, { poolSize: 12 });
      tokens = createTokenEngine({ clock, defaultTtlSeconds: () => 3600 });
    });
    after(() => database?.drop());

    const db = () => database.storage.db;

    test('a token is consumed once; the second consume reports it used', async () => {
      const issued = await tokens.issue(db(), { purpose: 'verify_email', subject: 'a@example.com' });
      assert.match(issued.token, /^[A-Za-z0-9_-]{43}$/);
      const first = await tokens.consume(db(), { purpose: 'verify_email', token: issued.token });
      assert.equal(first.ok, true);
      assert.equal(first.ok && first.token.subject, 'a@example.com');
      const second = await tokens.consume(db(), { purpose: 'verify_email', token: issued.token });
      assert.deepEqual(second, { ok: false, reason: 'used' });
    });

    test('the wrong purpose fails and leaves the token usable for its own', async () => {
      const issued = await tokens.issue(db(), { purpose: 'password_reset', subject: 'b' });
      assert.deepEqual(await tokens.consume(db(), { purpose: 'verify_email', token: issued.token }), {
        ok: false,
        reason: 'wrong_purpose',
      });
      assert.equal((await tokens.consume(db(), { purpose: 'password_reset', token: issued.token })).ok, true);
    });

    test('a binding mismatch fails; the matching binding succeeds', async () => {
      const issued = await tokens.issue(db(), {
        purpose: 'reset',
        subject: 'c',
        binding: 'password-version:1',
      });
      assert.deepEqual(
        await tokens.consume(db(), { purpose: 'reset', token: issued.token, binding: 'password-version:2' }),
        {
          ok: false,
          reason: 'binding',
        },
      );
      const ok = await tokens.consume(db(), {
        purpose: 'reset',
        token: issued.token,
        binding: 'password-version:1',
      });
      assert.equal(ok.ok, true);
    });

    test('a token past expires_at fails as expired, one millisecond before it works', async () => {
      const early = await tokens.issue(db(), { purpose: 'p', subject: 'd1', ttlSeconds: 60 });
      const late = await tokens.issue(db(), { purpose: 'p', subject: 'd2', ttlSeconds: 60 });
      clock.advance(60_000 - 1);
      assert.equal((await tokens.consume(db(), { purpose: 'p', token: early.token })).ok, true);
      clock.advance(1);
      assert.deepEqual(await tokens.consume(db(), { purpose: 'p', token: late.token }), {
        ok: false,
        reason: 'expired',
      });
    });

    test('a revoked token fails; revoke returns the number of tokens revoked', async () => {
      const one = await tokens.issue(db(), { purpose: 'invite', subject: 'e', supersede: false });
      await tokens.issue(db(), { purpose: 'invite', subject: 'e', supersede: false });
      assert.equal(await tokens.revoke(db(), 'invite', { subject: 'e' }), 2);
      assert.deepEqual(await tokens.consume(db(), { purpose: 'invite', token: one.token }), {
        ok: false,
        reason: 'revoked',
      });
    });

    test('issuing supersedes the older live token; the newest one works', async () => {
      const old = await tokens.issue(db(), { purpose: 'verify_email', subject: 'f' });
      const newest = await tokens.issue(db(), { purpose: 'verify_email', subject: 'f' });
      assert.deepEqual(await tokens.consume(db(), { purpose: 'verify_email', token: old.token }), {
        ok: false,
        reason: 'superseded',
      });
      assert.equal((await tokens.consume(db(), { purpose: 'verify_email', token: newest.token })).ok, true);
    });

    test('unknown and malformed tokens are unknown, without a query for the malformed ones', async () => {
      for (const token of ['', 'x', 'a'.repeat(100_000), 42, null, `${'A'.repeat(42)}B`, 'é'.repeat(43)]) {
        assert.deepEqual(await tokens.consume(db(), { purpose: 'p', token }), {
          ok: false,
          reason: 'unknown',
        });
        assert.deepEqual(await tokens.inspect(db(), 'p', token), { state: 'unknown' });
      }
      const real = await tokens.issue(db(), { purpose: 'p', subject: 'case' });
      const flipped = real.token[0] === 'a' ? `b${real.token.slice(1)}` : `a${real.token.slice(1)}`;
      assert.deepEqual(await tokens.consume(db(), { purpose: 'p', token: flipped }), {
        ok: false,
        reason: 'unknown',
      });
    });

    test('inspect reports the state and changes nothing', async () => {
      const issued = await tokens.issue(db(), { purpose: 'look', subject: 'g', data: { plan: 'pro' } });
      for (let i = 0; i < 3; i++) {
        const seen = await tokens.inspect(db(), 'look', issued.token);
        assert.equal(seen.state, 'active');
        assert.deepEqual('token' in seen ? seen.token.data : null, { plan: 'pro' });
      }
      assert.deepEqual(await tokens.inspect(db(), 'other', issued.token), { state: 'unknown' });
      await tokens.consume(db(), { purpose: 'look', token: issued.token });
      assert.equal((await tokens.inspect(db(), 'look', issued.token)).state, 'used');
    });

    test('the database holds only the SHA-256 of a token, never the token', async () => {
      const issued = await tokens.issue(db(), { purpose: 'secret', subject: 'h', binding: 'h@example.com' });
      const row = await db()
        .selectFrom('security_tokens')
        .selectAll()
        .where('id', '=', issued.id)
        .executeTakeFirstOrThrow();
      const dump = JSON.stringify(row);
      assert.ok(!dump.includes(issued.token), 'the token appears in its row');
      assert.ok(!dump.includes('h@example.com'), 'the binding appears in clear');
      const { createHash } = await import('node:crypto');
      assert.equal(row.token_hash, createHash('sha256').update(issued.token).digest('hex'));
    });

    test('50 parallel consumes of one token give exactly one success', async () => {
      const issued = await tokens.issue(db(), { purpose: 'race', subject: 'i' });
      const results = await Promise.all(
        Array.from({ length: 50 }, () => tokens.consume(db(), { purpose: 'race', token: issued.token })),
      );
      assert.equal(results.filter((r) => r.ok).length, 1);
      assert.ok(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'used'));
    });

    test('consume inside a transaction that rolls back leaves the token usable', async () => {
      const issued = await tokens.issue(db(), { purpose: 'tx', subject: 'j' });
      await assert.rejects(
        db()
          .transaction()
          .execute(async (trx) => {
            assert.equal((await tokens.consume(trx, { purpose: 'tx', token: issued.token })).ok, true);
            throw new Error('the state change failed');
          }),
        /the state change failed/,
      );
      assert.equal((await tokens.consume(db(), { purpose: 'tx', token: issued.token })).ok, true);
    });

    test('purge deletes the tokens expired before the cut-off, spent or not, in batches, and keeps the rest', async () => {
      await db().deleteFrom('security_tokens').execute();
      const start = clock.now();
      const live = await tokens.issue(db(), { purpose: 'keep', subject: 'live', ttlSeconds: 30 * 24 * 3600 });
      for (let i = 0; i < 25; i++)
        await tokens.issue(db(), { purpose: 'gone', subject: `x${i}`, ttlSeconds: 60 });
      const usedShort = await tokens.issue(db(), { purpose: 'used', subject: 'short', ttlSeconds: 60 });
      await tokens.consume(db(), { purpose: 'used', token: usedShort.token });
      // Spent or revoked long before the cut-off, but not expired: they stay until they expire.
      const usedLong = await tokens.issue(db(), {
        purpose: 'used',
        subject: 'u',
        ttlSeconds: 30 * 24 * 3600,
      });
      await tokens.consume(db(), { purpose: 'used', token: usedLong.token });
      const revokedLong = await tokens.issue(db(), {
        purpose: 'rev',
        subject: 'r',
        ttlSeconds: 30 * 24 * 3600,
      });
      await tokens.revoke(db(), 'rev', { subject: 'r' });
      clock.advance(2 * HOUR);
      const recentlyExpired = await tokens.issue(db(), { purpose: 'recent', subject: 'y', ttlSeconds: 60 });
      clock.advance(10 * 60_000);

      const batches: number[] = [];
      const deleted = await purgeTokens(db(), {
        expiredBefore: start + HOUR,
        batchSize: 10,
        onBatch: (n) => batches.push(n),
      });
      assert.equal(deleted, 26);
      assert.deepEqual(batches, [10, 20, 26]);
      const left = (await db().selectFrom('security_tokens').select('id').execute()).map((r) => r.id).sort();
      assert.deepEqual(left, [live.id, usedLong.id, revokedLong.id, recentlyExpired.id].sort());
      const again = await tokens.consume(db(), { purpose: 'used', token: usedLong.token });
      assert.deepEqual(again, { ok: false, reason: 'used' }, 'kept until its expiry, a spent token says so');
    });
  });
}
