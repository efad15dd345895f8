import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { newId } from '../src/db/ids.ts';
import { createTestDatabase, type TestDatabase } from './helpers/storage.ts';

/**
 * SQLite's log (the -wal file) only starts over when a checkpoint has copied all of it at a moment
 * when no transaction is open, and the group commit keeps one open nearly all the time under load.
 * The checkpointer (src/db/sqlite/checkpointer.ts) makes that moment by holding the writers back
 * briefly. What a user would notice without it: a log file that grows by tens of megabytes, and
 * writes that stall while a checkpoint copies the backlog with every writer locked out.
 */
describe('SQLite checkpoints under writes that never pause', () => {
  const RESTART_PAGES = 64; // 256 KiB of log, so that a short test crosses it many times
  let database: TestDatabase;

  before(async () => {
    database = await createTestDatabase('sqlite', {
      checkpoints: { intervalMs: 5, restartPages: RESTART_PAGES },
    });
  });
  after(() => database?.drop());

  test('the log starts over again and again, no write stalls, and every row is kept', async () => {
    const db = database.storage.db;
    const walPath = `${database.url.replace(/^sqlite:/, '')}-wal`;
    const detail = 'x'.repeat(2000);
    const deadline = performance.now() + 2000;
    let rows = 0;
    let slowest = 0;
    let largestLog = 0;
    async function writer(): Promise<void> {
      while (performance.now() < deadline) {
        const started = performance.now();
        await db.transaction().execute((trx) =>
          trx
            .insertInto('audit_events')
            .values({
              id: newId(),
              at: Date.now(),
              user_id: null,
              event: 'checkpoint_test',
              ip: null,
              detail,
            })
            .execute(),
        );
        slowest = Math.max(slowest, performance.now() - started);
        rows++;
        largestLog = Math.max(largestLog, statSync(walPath, { throwIfNoEntry: false })?.size ?? 0);
      }
    }
    await Promise.all(Array.from({ length: 16 }, writer));

    // The limit, and what arrives while a pause is arranged. Without the pause the log grew past
    // 40 MB in this test.
    const bound = 16 * RESTART_PAGES * 4096;
    const written = rows * detail.length;
    assert.ok(written > 2 * bound, `the test wrote too little to show anything (${written} bytes)`);
    assert.ok(largestLog < bound, `the log grew to ${largestLog} bytes for ${written} written`);
    // A generous bound: it checks that no write waits while a backlog is copied.
    assert.ok(slowest < 250, `a write took ${slowest.toFixed(0)} ms`);
    const { count } = await db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('event', '=', 'checkpoint_test')
      .executeTakeFirstOrThrow();
    assert.equal(Number(count), rows);
  });
});
