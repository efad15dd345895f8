import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../src/config/config.ts';
import { createContext } from '../src/context.ts';
import type { Dialect } from '../src/db/schema.ts';
import { type App, buildApp } from '../src/http/app.ts';
import { createLogger } from '../src/logging.ts';
import { PUBLIC_URL, TEST_API_KEY } from './helpers/app.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/storage.ts';

/**
 * When no connection can be had within DB_POOL_TIMEOUT (every pooled PostgreSQL connection busy, or
 * SQLite's write lock held by another process), a request is answered 503 with Retry-After at the
 * timeout, rather than hanging; once the database is free again, requests succeed.
 */

const TIMEOUT_MS = 1000;

/** Something outside oto's pool that keeps what a token write needs to itself, until released. */
interface Holder {
  release(): Promise<void>;
}

/** PostgreSQL: another client locks the tokens table, so the one pooled connection waits on it. */
async function lockTokensTable(url: string): Promise<Holder> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('begin');
  await client.query('lock table security_tokens in access exclusive mode');
  return {
    async release() {
      await client.query('commit');
      await client.end();
    },
  };
}

/** SQLite: another connection (as another process would) holds the file's write lock. */
function holdWriteLock(url: string): Holder {
  const other = new DatabaseSync(url.replace(/^sqlite:/, ''));
  other.exec('begin immediate');
  return {
    async release() {
      other.exec('commit');
      other.close();
    },
  };
}

for (const { dialect, skip } of DIALECTS) {
  describe(`a saturated database on ${dialect}`, { skip }, () => {
    let database: TestDatabase;
    let app: App;

    before(async () => {
      database = await createTestDatabase(dialect as Dialect, { poolSize: 1, poolTimeoutMs: TIMEOUT_MS });
      const config = loadConfig({
        DATABASE_URL: database.url,
        PUBLIC_URL,
        OTO_API_KEYS: TEST_API_KEY,
        DB_POOL_SIZE: '1',
        DB_POOL_TIMEOUT: '1s',
      });
      app = await buildApp(createContext(config, database.storage, createLogger({ level: 'silent' })));
      await app.ready();
    });

    after(async () => {
      await app?.close();
      await database?.drop();
    });

    // async, so that each request starts at once: inject's answer only starts when awaited.
    const issue = async (subject: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/tokens',
        headers: { authorization: `Bearer ${TEST_API_KEY}` },
        payload: { purpose: 'saturation', subject },
      });

    test('503 service_unavailable with Retry-After at the timeout, then service again', async () => {
      const holder =
        dialect === 'postgres' ? await lockTokensTable(database.url) : holdWriteLock(database.url);
      // On PostgreSQL this one takes the only connection and waits on the lock; on SQLite it
      // waits for the write lock, and gives up at the timeout too.
      const first = issue('first');
      const startedAt = performance.now();
      const second = await issue('second');
      const waitedMs = performance.now() - startedAt;

      assert.equal(second.statusCode, 503, second.body);
      assert.equal(second.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(second.json().code, 'service_unavailable');
      assert.match(String(second.headers['retry-after']), /^[1-9]\d*$/);
      assert.ok(
        waitedMs >= TIMEOUT_MS * 0.9,
        `answered after ${Math.round(waitedMs)} ms: before the timeout`,
      );
      assert.ok(
        waitedMs < TIMEOUT_MS * 3,
        `answered after ${Math.round(waitedMs)} ms: well past the timeout`,
      );

      await holder.release();
      // The request that held the connection on PostgreSQL goes through once the lock is gone.
      assert.equal((await first).statusCode, dialect === 'postgres' ? 201 : 503);
      const third = await issue('third');
      assert.equal(third.statusCode, 201, third.body);
    });

    test('requests queued behind a waiting one give up at their own timeout, not one after another', async () => {
      const holder =
        dialect === 'postgres' ? await lockTokensTable(database.url) : holdWriteLock(database.url);
      const startedAt = performance.now();
      const refused: number[] = [];
      const answers = Array.from({ length: 5 }, (_, i) =>
        issue(`queued-${i}`).then((answer) => {
          if (answer.statusCode === 503) refused.push(performance.now() - startedAt);
          return answer;
        }),
      );
      // On PostgreSQL the first holds the connection until the lock goes; the others wait for it.
      while (refused.length < 4 && performance.now() - startedAt < TIMEOUT_MS * 5) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await holder.release();
      const statuses = (await Promise.all(answers)).map((answer) => answer.statusCode);
      assert.ok(statuses.filter((s) => s === 503).length >= 4, statuses.join(','));
      assert.ok(
        refused.every((ms) => ms < TIMEOUT_MS * 2),
        `refused after ${refused.map(Math.round).join(', ')} ms`,
      );
    });
  });
}
