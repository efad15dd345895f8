import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { newId } from '../src/db/ids.ts';
import { createTestDatabase, type TestDatabase } from './helpers/storage.ts';

/**
 * The SQLite driver commits transactions in groups (src/db/sqlite/driver.ts). What a user of the
 * database must still be able to rely on: each transaction is all or nothing, a resolved commit is
 * committed (another connection sees it), a failure undoes only its own transaction, and waiting for
 * another connection's lock does not freeze the process.
 */
describe('SQLite group commit', () => {
  let database: TestDatabase;
  let observer: DatabaseSync;

  before(async () => {
    database = await createTestDatabase('sqlite');
    observer = new DatabaseSync(database.url.replace(/^sqlite:/, ''));
  });
  after(async () => {
    observer?.close();
    await database?.drop();
  });

  const db = () => database.storage.db;
  const audit = (event: string, userId: string | null = null) => ({
    id: newId(),
    at: Date.now(),
    user_id: userId,
    event,
    ip: null,
    detail: null,
  });
  const committedEvents = (prefix: string): string[] =>
    (
      observer
        .prepare('select event from audit_events where event like ? order by event')
        .all(`${prefix}%`) as {
        event: string;
      }[]
    ).map((row) => row.event);

  test('of 30 concurrent transactions, the failing ones leave nothing and the others all commit', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        db()
          .transaction()
          .execute(async (trx) => {
            await trx
              .insertInto('audit_events')
              .values(audit(`batch-a:${String(i).padStart(2, '0')}:1`))
              .execute();
            await trx
              .insertInto('audit_events')
              .values(audit(`batch-a:${String(i).padStart(2, '0')}:2`))
              .execute();
            if (i % 3 === 0) throw new Error(`transaction ${i} gives up`);
          }),
      ),
    );
    assert.equal(outcomes.filter((o) => o.status === 'rejected').length, 10);
    const expected = Array.from({ length: 30 }, (_, i) => i)
      .filter((i) => i % 3 !== 0)
      .flatMap((i) => [`batch-a:${String(i).padStart(2, '0')}:1`, `batch-a:${String(i).padStart(2, '0')}:2`]);
    // Read through a second connection: what it sees is on disk, not in the driver's open group.
    assert.deepEqual(committedEvents('batch-a:'), expected);
  });

  test('a write outside a transaction is committed when it resolves, even while others run', async () => {
    const background = Array.from({ length: 10 }, (_, i) =>
      db()
        .transaction()
        .execute((trx) =>
          trx
            .insertInto('audit_events')
            .values(audit(`batch-b:tx${i}`))
            .execute(),
        ),
    );
    await db().insertInto('audit_events').values(audit('batch-b:single')).execute();
    assert.ok(committedEvents('batch-b:').includes('batch-b:single'));
    await Promise.all(background);
    assert.equal(committedEvents('batch-b:').length, 11);
  });

  test('a statement that fails outside a transaction changes nothing and disturbs no one', async () => {
    const row = audit('batch-c:original');
    await db().insertInto('audit_events').values(row).execute();
    const [kept, duplicate, halfDone] = await Promise.allSettled([
      db()
        .transaction()
        .execute((trx) => trx.insertInto('audit_events').values(audit('batch-c:kept')).execute()),
      db()
        .insertInto('audit_events')
        .values({ ...row, event: 'batch-c:duplicate' })
        .execute(),
      // Fails at its second row: the first must not stay behind.
      db()
        .insertInto('audit_events')
        .values([audit('batch-c:first-of-two'), { ...row, event: 'batch-c:second-of-two' }])
        .execute(),
    ]);
    assert.equal(kept.status, 'fulfilled');
    assert.equal(duplicate.status, 'rejected');
    assert.equal(halfDone.status, 'rejected');
    assert.deepEqual(committedEvents('batch-c:'), ['batch-c:kept', 'batch-c:original']);
  });

  test('a failed write does not keep the write lock from other connections', async () => {
    const row = audit('batch-e:original');
    await db().insertInto('audit_events').values(row).execute();
    await assert.rejects(db().insertInto('audit_events').values(row).execute());
    await assert.rejects(
      db()
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto('audit_events').values(audit('batch-e:rolled-back')).execute();
          throw new Error('the caller gives up');
        }),
    );
    await sleep(20);
    // Another process (oto worker, a second oto serve) must be able to write now; this connection
    // has no busy timeout, so a lock still held would fail it at once.
    observer.exec('begin immediate');
    observer.exec('commit');
    assert.deepEqual(committedEvents('batch-e:'), ['batch-e:original']);
  });

  test('waiting for another connection’s write lock leaves the event loop free', async () => {
    observer.exec('begin immediate');
    const write = db()
      .transaction()
      .execute((trx) => trx.insertInto('audit_events').values(audit('batch-d:waited')).execute());
    // While the other connection holds the lock, timers still fire: the wait is not a busy loop
    // inside SQLite on this thread.
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    await sleep(150);
    clearInterval(ticker);
    assert.ok(ticks >= 10, `only ${ticks} timer ticks in 150 ms`);
    assert.deepEqual(committedEvents('batch-d:'), []);
    observer.exec('commit');
    await write;
    assert.deepEqual(committedEvents('batch-d:'), ['batch-d:waited']);
  });
});
