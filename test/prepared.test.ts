import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../src/db/ids.ts';
import { prepared } from '../src/db/prepared.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/storage.ts';

/**
 * src/db/prepared.ts compiles a query once and re-binds it. What a caller relies on: every call
 * uses its own values, constants the builder wrote stay in place, and the result matches what the
 * same Kysely builder returns.
 */
const eventsOfUserSince = prepared((db, p: { userId: string; since: number }) =>
  db
    .selectFrom('audit_events')
    .select(['event', 'at'])
    .where('user_id', '=', p.userId)
    .where('at', '>', p.since)
    .where('event', 'in', ['login.succeeded', 'login.failed'])
    .orderBy('at'),
);
const renameEvents = prepared((db, p: { userId: string; event: 'login.failed' }) =>
  db.updateTable('audit_events').set({ event: p.event }).where('user_id', '=', p.userId),
);

for (const { dialect, skip } of DIALECTS) {
  describe(`prepared queries on ${dialect}`, { skip }, () => {
    let database: TestDatabase;
    before(async () => {
      database = await createTestDatabase(dialect);
      const rows = ['a', 'b'].flatMap((userId) =>
        [1, 2, 3].map((at) => ({
          id: newId(),
          at,
          user_id: userId,
          event: at === 2 ? 'user.signed_up' : 'login.succeeded',
          ip: null,
          detail: null,
        })),
      );
      await database.storage.db.insertInto('audit_events').values(rows).execute();
    });
    after(() => database?.drop());

    test('each call binds its own values, keeps the constants, and matches the builder', async () => {
      const db = database.storage.db;
      for (const [userId, since] of [
        ['a', 0],
        ['b', 1],
        ['a', 3],
      ] as const) {
        const fromPrepared = await eventsOfUserSince.rows(db, { userId, since });
        const fromBuilder = await db
          .selectFrom('audit_events')
          .select(['event', 'at'])
          .where('user_id', '=', userId)
          .where('at', '>', since)
          .where('event', 'in', ['login.succeeded', 'login.failed'])
          .orderBy('at')
          .execute();
        assert.deepEqual(fromPrepared, fromBuilder);
      }
      const rows = await eventsOfUserSince.rows(db, { userId: 'b', since: 1 });
      // node:sqlite hands back rows without a prototype; compare their contents.
      assert.deepEqual(
        rows.map((row) => ({ ...row })),
        [{ event: 'login.succeeded', at: 3 }],
      );
    });

    test('a write reports the rows it changed and runs inside the caller’s transaction', async () => {
      const db = database.storage.db;
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          assert.equal(await renameEvents.affected(trx, { userId: 'a', event: 'login.failed' }), 3);
          throw new Error('roll back');
        }),
      );
      assert.equal(await renameEvents.affected(db, { userId: 'nobody', event: 'login.failed' }), 0);
      const events = await eventsOfUserSince.rows(db, { userId: 'a', since: 0 });
      assert.deepEqual(
        events.map((row) => row.event),
        ['login.succeeded', 'login.succeeded'],
      );
    });
  });
}
