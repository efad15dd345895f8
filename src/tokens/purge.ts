import { setTimeout as sleep } from 'node:timers/promises';
import type { Millis } from '../clock.ts';
import { idInBatch } from '../db/batch.ts';
import { dialectOf } from '../db/dialect.ts';
import type { Db } from '../db/schema.ts';

export interface PurgeOptions {
  /** Tokens that expired before this instant are deleted, whether they were used, revoked or not. */
  expiredBefore: Millis;
  batchSize: number;
  /** Called after each batch with the running total, the batch's rows and its milliseconds. */
  onBatch?: (deletedSoFar: number, batchRows: number, batchMs: number) => void;
  /** Checked between batches: once aborted, the purge stops after the batch in flight. */
  signal?: AbortSignal;
}

/**
 * Deletes tokens that expired before the cut-off (now − TOKEN_RETENTION), spent and revoked ones
 * included: a token row lives until its expiry plus the retention, whatever became of it. So the
 * purge reads one index, on expires_at, a column no consume or revoke ever writes, and the table
 * needs no index on used_at or revoked_at (migration 0014): on PostgreSQL a consume or supersede can
 * then be a HOT update. Single use does not depend on the purge: a spent row stays spent until it
 * is deleted, and by then it has expired, so a purged token is unknown and could not be used anyway.
 *
 * Each batch is its own short statement found through the index, with a pause for the event loop
 * between batches, so the purge of millions of rows never holds a long lock or starves live
 * requests.
 */
export async function purgeTokens(db: Db, options: PurgeOptions): Promise<number> {
  // node:sqlite runs a statement on the event loop's own thread: there a batch is sized by time.
  const blocking = dialectOf(db) !== 'postgres';
  let size = options.batchSize;
  let deleted = 0;
  while (!options.signal?.aborted) {
    const began = performance.now();
    const result = await tokenPurgeBatch(db, options.expiredBefore, size).executeTakeFirst();
    const took = performance.now() - began;
    const count = Number(result.numDeletedRows);
    deleted += count;
    if (count > 0) options.onBatch?.(deleted, count, took);
    if (count < size) break;
    if (blocking) size = batchSizeFor(took, size, options.batchSize);
    await restAfterBatch(took);
  }
  return deleted;
}

/** How long one purge batch may hold a thread that also serves requests (SQLite). 5 ms gave a
 * consume p99 of 74 ms during a purge of 1M rows, 2 ms gave 54 ms (23 ms without a purge). */
const BLOCKING_BATCH_TARGET_MS = 2;
const MIN_BATCH = 20;

/** The next batch's size, scaled so it takes about BLOCKING_BATCH_TARGET_MS, within [20, max]. */
function batchSizeFor(tookMs: number, size: number, max: number): number {
  const scaled = Math.round((size * BLOCKING_BATCH_TARGET_MS) / Math.max(tookMs, 0.1));
  return Math.min(max, Math.max(Math.min(MIN_BATCH, max), scaled));
}

/**
 * Between two batches of a purge: rest three times as long as the batch took (at most a second),
 * so that a purge takes at most a quarter of the time and live requests the rest. A bare
 * setImmediate is not enough: measured with consumes running on SQLite, it let the next batch start
 * before most waiting requests were served, and their p99 went from about 0.1 s to 1.9 s during the
 * purge. Resting as long as the batch (half the time) still halved the consume rate and gave 4.4×
 * the p99 (npm run bench, 1M rows); the purge itself is not in a hurry.
 */
export function restAfterBatch(batchMs: number): Promise<void> {
  return sleep(Math.min(1000, Math.max(1, Math.round(batchMs * 3))));
}

/** One batch of purgeTokens: the tokens that expired first, read in index order. */
export function tokenPurgeBatch(db: Db, expiredBefore: Millis, batchSize: number) {
  const batch = db
    .selectFrom('security_tokens')
    .select('id')
    .where('expires_at', '<', expiredBefore)
    .orderBy('expires_at')
    .limit(batchSize);
  return db.deleteFrom('security_tokens').where(idInBatch(db, batch));
}
