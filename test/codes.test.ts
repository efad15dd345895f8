import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { runPurge } from '../src/jobs/purge.ts';
import { codeKeysFor } from '../src/tokens/code-key.ts';
import { normalizeCode } from '../src/tokens/codes.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { insertUser, KEY_A, KEY_B } from './helpers/flows.ts';
import { dumpDatabase } from './helpers/mail.ts';
import { DIALECTS } from './helpers/storage.ts';

// The code engine (src/tokens/codes.ts): single use, the budget per owner and purpose, the key.

const PURPOSE = 'test_code';

/** A code of the same length that is not `code`. */
function wrongCode(code: string): string {
  return code.replace(/^./, (d) => String((Number(d) + 1) % 10));
}

for (const { dialect, skip } of DIALECTS) {
  describe(`one-time codes (${dialect})`, { skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect, { OTO_SIGNING_KEYS: KEY_A });
    });
    after(() => t?.close());

    async function user(name: string) {
      return insertUser(t.ctx, `${name}-${dialect}@example.com`);
    }

    test('a code is CODE_LENGTH digits, works once, and only for its owner and purpose', async () => {
      const a = await user('once');
      const b = await user('other');
      const issued = await t.ctx.codes.issue(t.ctx.db, { purpose: PURPOSE, userId: a.id });
      assert.ok(issued.ok);
      assert.match(issued.code, /^\d{6}$/);
      const forB = await t.ctx.codes.consume(t.ctx.db, { purpose: PURPOSE, userId: b.id, code: issued.code });
      assert.equal(forB.ok, false);
      const otherPurpose = await t.ctx.codes.consume(t.ctx.db, {
        purpose: 'other_code',
        userId: a.id,
        code: issued.code,
      });
      assert.equal(otherPurpose.ok, false);
      // Pasted with spaces, as mail clients often group it.
      const spaced = `${issued.code.slice(0, 3)} ${issued.code.slice(3)}`;
      const first = await t.ctx.codes.consume(t.ctx.db, { purpose: PURPOSE, userId: a.id, code: spaced });
      assert.ok(first.ok);
      const again = await t.ctx.codes.consume(t.ctx.db, {
        purpose: PURPOSE,
        userId: a.id,
        code: issued.code,
      });
      assert.equal(again.ok, false);
    });

    test('a code expires after CODE_TTL (10 minutes)', async () => {
      const a = await user('ttl');
      const issued = await t.ctx.codes.issue(t.ctx.db, { purpose: PURPOSE, userId: a.id });
      assert.ok(issued.ok);
      t.clock.advance(10 * 60_000);
      const late = await t.ctx.codes.consume(t.ctx.db, { purpose: PURPOSE, userId: a.id, code: issued.code });
      assert.equal(late.ok, false);
    });

    test('5 wrong codes revoke the live code, and new codes are refused for the cool-down', async () => {
      const a = await user('five');
      const issued = await t.ctx.codes.issue(t.ctx.db, { purpose: PURPOSE, userId: a.id });
      assert.ok(issued.ok);
      for (let i = 0; i < 5; i++) {
        const guess = await t.ctx.codes.consume(t.ctx.db, {
          purpose: PURPOSE,
          userId: a.id,
          code: wrongCode(issued.code),
        });
        assert.equal(guess.ok, false);
      }
      const right = await t.ctx.codes.consume(t.ctx.db, {
        purpose: PURPOSE,
        userId: a.id,
        code: issued.code,
      });
      assert.deepEqual(right, { ok: false, reason: 'cooling_down', attemptsLeft: 0 });
      const revoked = await t.ctx.db
        .selectFrom('one_time_codes')
        .select('revoked_at')
        .where('id', '=', issued.id)
        .executeTakeFirstOrThrow();
      assert.notEqual(revoked.revoked_at, null);
      const refused = await t.ctx.codes.issue(t.ctx.db, { purpose: PURPOSE, userId: a.id });
      assert.equal(refused.ok, false);
      t.clock.advance(15 * 60_000);
      const fresh = await t.ctx.codes.issue(t.ctx.db, { purpose: PURPOSE, userId: a.id });
      assert.ok(fresh.ok, 'after the cool-down a new code is issued');
      const works = await t.ctx.codes.consume(t.ctx.db, { purpose: PURPOSE, userId: a.id, code: fresh.code });
      assert.ok(works.ok);
    });

    test('a resend after 3 wrong guesses leaves only 2 attempts', async () => {
      const a = await user('resend');
      const first = await t.ctx.codes.issue(t.ctx.db, { purpose: PURPOSE, userId: a.id });
      assert.ok(first.ok);
      for (let i = 0; i < 3; i++)
        await t.ctx.codes.consume(t.ctx.db, { purpose: PURPOSE, userId: a.id, code: wrongCode(first.code) });
      const second = await t.ctx.codes.issue(t.ctx.db, { purpose: PURPOSE, userId: a.id });
      assert.ok(second.ok);
      const fourth = await t.ctx.codes.consume(t.ctx.db, {
        purpose: PURPOSE,
        userId: a.id,
        code: wrongCode(second.code),
      });
      assert.deepEqual(fourth, { ok: false, reason: 'wrong', attemptsLeft: 1 });
      const fifth = await t.ctx.codes.consume(t.ctx.db, {
        purpose: PURPOSE,
        userId: a.id,
        code: wrongCode(second.code),
      });
      assert.equal(fifth.ok, false);
      const right = await t.ctx.codes.consume(t.ctx.db, {
        purpose: PURPOSE,
        userId: a.id,
        code: second.code,
      });
      assert.deepEqual(right, { ok: false, reason: 'cooling_down', attemptsLeft: 0 });
    });

    test('50 parallel wrong guesses record at most the budget, and the right code is refused after', async () => {
      const a = await user('parallel');
      const issued = await t.ctx.codes.issue(t.ctx.db, { purpose: PURPOSE, userId: a.id });
      assert.ok(issued.ok);
      const guesses = await Promise.all(
        Array.from({ length: 50 }, () =>
          t.ctx.codes.consume(t.ctx.db, { purpose: PURPOSE, userId: a.id, code: wrongCode(issued.code) }),
        ),
      );
      assert.ok(guesses.every((g) => !g.ok));
      const budget = await t.ctx.db
        .selectFrom('code_budgets')
        .select('attempts')
        .where('owner', '=', `user:${a.id}`)
        .where('purpose', '=', PURPOSE)
        .executeTakeFirstOrThrow();
      assert.equal(Number(budget.attempts), 5);
      const right = await t.ctx.codes.consume(t.ctx.db, {
        purpose: PURPOSE,
        userId: a.id,
        code: issued.code,
      });
      assert.equal(right.ok, false);
    });

    test('a dump of the database holds neither the code nor its bare SHA-256', async () => {
      const a = await user('dump');
      const issued = await t.ctx.codes.issue(t.ctx.db, { purpose: PURPOSE, userId: a.id });
      assert.ok(issued.ok);
      const dump = await dumpDatabase(t.ctx);
      assert.ok(dump.includes(issued.id), 'the dump holds the code row');
      assert.ok(!dump.includes(issued.code));
      assert.ok(!dump.includes(createHash('sha256').update(issued.code).digest('hex')));
    });

    test('the purge deletes codes past TOKEN_RETENTION and budgets with no live code (runs last)', async () => {
      const a = await user('purge');
      const issued = await t.ctx.codes.issue(t.ctx.db, { purpose: PURPOSE, userId: a.id });
      assert.ok(issued.ok);
      const owner = `user:${a.id}`;
      const rows = async () => ({
        codes: (await t.ctx.db.selectFrom('one_time_codes').select('id').where('owner', '=', owner).execute())
          .length,
        budgets: (
          await t.ctx.db.selectFrom('code_budgets').select('owner').where('owner', '=', owner).execute()
        ).length,
      });
      await runPurge(t.ctx);
      assert.deepEqual(await rows(), { codes: 1, budgets: 1 }, 'a live code and its budget stay');
      t.clock.advance(8 * 24 * 3_600_000);
      const result = await runPurge(t.ctx);
      assert.ok(result.counts.one_time_codes >= 1 && result.counts.code_budgets >= 1);
      assert.deepEqual(await rows(), { codes: 0, budgets: 0 });
    });
  });
}

describe('the code key', () => {
  const base = { DATABASE_URL: 'sqlite::memory:', PUBLIC_URL: 'https://oto.test' };

  test('OTO_CODE_KEY must be at least 32 bytes of hex or base64url', () => {
    assert.throws(() => loadConfig({ ...base, OTO_CODE_KEY: 'ab'.repeat(16 - 1) }), /OTO_CODE_KEY/);
    assert.throws(() => loadConfig({ ...base, OTO_CODE_KEY: 'not a key!'.repeat(8) }), /OTO_CODE_KEY/);
    const config = loadConfig({ ...base, OTO_CODE_KEY: 'cd'.repeat(32) });
    assert.equal(codeKeysFor(config).current.toString('hex'), 'cd'.repeat(32));
  });

  test('without OTO_CODE_KEY the key is derived from the signing keys; every key on the ring checks', () => {
    const one = codeKeysFor(loadConfig({ ...base, OTO_SIGNING_KEYS: KEY_A }));
    const rotated = codeKeysFor(loadConfig({ ...base, OTO_SIGNING_KEYS: `${KEY_B},${KEY_A}` }));
    assert.notEqual(one.current.toString('hex'), rotated.current.toString('hex'));
    assert.ok(rotated.all.some((key) => key.equals(one.current)));
    // Derived, never the signing secret itself.
    assert.ok(!one.current.equals(Buffer.from('a1'.repeat(32), 'hex')));
  });

  test('pasted codes: digits with spaces or dashes, nothing else', () => {
    assert.equal(normalizeCode(' 123 456 '), '123456');
    assert.equal(normalizeCode('123-456'), '123456');
    assert.equal(normalizeCode('12345'), null);
    assert.equal(normalizeCode('12a456'), null);
    assert.equal(normalizeCode(123456), null);
  });
});
