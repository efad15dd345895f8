import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { manualClock } from '../src/clock.ts';
import { loadConfig } from '../src/config/config.ts';
import { createContext } from '../src/context.ts';
import { dialectOf } from '../src/db/dialect.ts';
import { migrateToLatest, migrateUpTo } from '../src/db/migrate.ts';
import type { Db } from '../src/db/schema.ts';
import { runPurge } from '../src/jobs/purge.ts';
import { createLogger } from '../src/logging.ts';
import { createTokenEngine, type TokenEngine } from '../src/tokens/tokens.ts';
import { LogCapture } from './helpers/app.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/storage.ts';

/**
 * Migration 0014 (the index diet) over a database that holds tokens in every state: nothing is lost,
 * the purge-only indexes are gone, and the tokens behave as before: live ones are consumed once,
 * spent and revoked ones stay refused, and a new token still supersedes its owner's live one.
 */
const HOUR = 3_600_000;
const BEFORE_DIET = '0013_user_locale';

async function indexesOf(db: Db, table: string): Promise<string[]> {
  if (dialectOf(db) === 'postgres') {
    const { rows } = await sql<{ name: string }>`select indexname as name from pg_indexes
      where schemaname = current_schema() and tablename = ${table} order by 1`.execute(db);
    return rows.map((row) => row.name);
  }
  const { rows } = await sql<{ name: string }>`select name from sqlite_master
    where type = 'index' and tbl_name = ${table} and name not like 'sqlite_autoindex%' order by 1`.execute(
    db,
  );
  return rows.map((row) => row.name);
}

for (const { dialect, skip } of DIALECTS) {
  describe(`index diet (migration 0014) on ${dialect}`, { skip }, () => {
    let database: TestDatabase;
    const clock = manualClock(Date.UTC(2030, 0, 1));
    let tokens: TokenEngine;
    const issued: Record<'live' | 'spent' | 'revoked' | 'older', string> = {
      live: '',
      spent: '',
      revoked: '',
      older: '',
    };
    let rowsBefore: unknown[];

    const db = () => database.storage.db;
    const allTokens = async () =>
      (await db().selectFrom('security_tokens').selectAll().orderBy('id').execute()).map((row) => ({
        ...row,
      }));

    before(async () => {
      database = await createTestDatabase(dialect, { migrate: false });
      await migrateUpTo(db(), BEFORE_DIET);
      tokens = createTokenEngine({ clock, defaultTtlSeconds: () => 3600 });
      issued.live = (await tokens.issue(db(), { purpose: 'download', subject: 'live' })).token;
      issued.spent = (await tokens.issue(db(), { purpose: 'download', subject: 'spent' })).token;
      assert.equal((await tokens.consume(db(), { purpose: 'download', token: issued.spent })).ok, true);
      issued.revoked = (await tokens.issue(db(), { purpose: 'download', subject: 'revoked' })).token;
      await tokens.revoke(db(), 'download', { subject: 'revoked' });
      issued.older = (await tokens.issue(db(), { purpose: 'download', subject: 'resent' })).token;
      rowsBefore = await allTokens();
      assert.ok((await indexesOf(db(), 'security_tokens')).includes('security_tokens_used_at'));
      await migrateToLatest(db());
    });
    after(() => database?.drop());

    test('every token row is still there, unchanged', async () => {
      assert.equal(rowsBefore.length, 4);
      assert.deepEqual(await allTokens(), rowsBefore);
    });

    test('the indexes only the purge read are gone, and the ones queries use remain', async () => {
      const names = await indexesOf(db(), 'security_tokens');
      assert.ok(!names.includes('security_tokens_used_at'), names.join(', '));
      assert.ok(!names.includes('security_tokens_revoked_at'), names.join(', '));
      for (const kept of [
        'security_tokens_expires_at',
        'security_tokens_by_user',
        'security_tokens_by_subject',
      ])
        assert.ok(names.includes(kept), `${kept} missing: ${names.join(', ')}`);
    });

    test('tokens keep their state: the live one is consumed once, spent and revoked ones are refused', async () => {
      const first = await tokens.consume(db(), { purpose: 'download', token: issued.live });
      assert.equal(first.ok && first.token.subject, 'live');
      assert.deepEqual(await tokens.consume(db(), { purpose: 'download', token: issued.live }), {
        ok: false,
        reason: 'used',
      });
      assert.deepEqual(await tokens.consume(db(), { purpose: 'download', token: issued.spent }), {
        ok: false,
        reason: 'used',
      });
      assert.deepEqual(await tokens.consume(db(), { purpose: 'download', token: issued.revoked }), {
        ok: false,
        reason: 'revoked',
      });
    });

    test('a new token still supersedes the live one issued before the upgrade', async () => {
      clock.advance(60_000);
      const newer = await tokens.issue(db(), { purpose: 'download', subject: 'resent' });
      const old = await tokens.consume(db(), { purpose: 'download', token: issued.older });
      assert.equal(old.ok, false);
      assert.equal((await tokens.consume(db(), { purpose: 'download', token: newer.token })).ok, true);
    });

    test('the purge leaves spent tokens until their expiry plus the retention, then removes them all', async () => {
      const ctx = createContext(
        loadConfig({ DATABASE_URL: database.url, TOKEN_RETENTION: '1d', PURGE_BATCH_SIZE: '2' }),
        database.storage,
        createLogger({ level: 'warn', destination: new LogCapture() }),
        { clock },
      );
      const stored = (await allTokens()).length;
      // Issued and spent or revoked an hour before they expire: now past their use plus the retention
      // (what the purge went by before 0014), still before their expiry plus the retention.
      clock.advance(24 * HOUR + 29 * 60_000);
      assert.equal((await runPurge(ctx)).counts.security_tokens, 0);
      assert.equal((await allTokens()).length, stored);
      clock.advance(2 * HOUR);
      assert.equal((await runPurge(ctx)).counts.security_tokens, stored);
      assert.deepEqual(await allTokens(), []);
    });

    test('PostgreSQL: the table leaves room for HOT updates, and a consume is one', {
      skip: dialect !== 'postgres' && 'PostgreSQL only',
    }, async () => {
      const { rows } = await sql<{ options: string[] | null }>`select reloptions as options from pg_class
        where oid = 'security_tokens'::regclass`.execute(db());
      assert.deepEqual(rows[0]?.options, ['fillfactor=90']);
      const fresh = await tokens.issue(db(), { purpose: 'download', subject: 'hot' });
      // This connection's own counters, read before and after within one transaction: exact, with
      // no wait for the statistics to be published (they include earlier unpublished work).
      const counters = async (trx: Db) => {
        const { rows: stats } = await sql<{ upd: string; hot: string }>`select n_tup_upd as upd,
          n_tup_hot_upd as hot from pg_stat_xact_user_tables
          where relid = 'security_tokens'::regclass`.execute(trx);
        return { updates: Number(stats[0]?.upd ?? 0), hot: Number(stats[0]?.hot ?? 0) };
      };
      const change = await db()
        .transaction()
        .execute(async (trx) => {
          const before = await counters(trx);
          assert.equal((await tokens.consume(trx, { purpose: 'download', token: fresh.token })).ok, true);
          const after = await counters(trx);
          return { updates: after.updates - before.updates, hot: after.hot - before.hot };
        });
      assert.deepEqual(change, { updates: 1, hot: 1 });
    });
  });
}
