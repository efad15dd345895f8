import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Context } from '../context.ts';
import { dialectOf } from '../db/dialect.ts';
import type { Db } from '../db/schema.ts';
import { purgeTokens, restAfterBatch } from '../tokens/purge.ts';
import {
  type BatchStatement,
  type Cutoffs,
  cutoffs,
  PURGE_TARGETS,
  type PurgeCounts,
  type PurgeTarget,
  purgeStatements,
} from './purge-statements.ts';

/**
 * The purge: one pass deletes what oto no longer needs.
 *
 * - security_tokens: expired more than TOKEN_RETENTION ago, whether used, revoked or neither (kept
 *   until then for the audit trail and for "this link was already used" answers);
 * - sessions: past their absolute expiry, or idle for longer than SESSION_IDLE_TTL;
 * - email_outbox: sent or failed messages created more than OUTBOX_RETENTION ago. Failed ones go too:
 *   their bodies are already erased and the rest (recipient, last error) is personal data kept only
 *   as long as a sent message's, long enough to diagnose a delivery problem;
 * - invitations: expired more than TOKEN_RETENTION ago, whatever became of them (accepted, revoked
 *   or ignored), with their token: the row holds the invitee's address, and an accepted one lives
 *   on as the grant it made;
 * - audit_events: older than AUDIT_RETENTION;
 * - webhook_outbox: webhook attempts made, and deliveries finished (succeeded or failed), more than
 *   OUTBOX_RETENTION ago, and events created more than OUTBOX_RETENTION + WEBHOOK_RETRY_FOR ago (a
 *   payload may hold an address).
 * - login_failures: the login throttle's rows whose last run began more than LOGIN_FAILURE_MEMORY
 *   ago (at least the window), with no cool-down running: their streak of failures goes with them. (IP rate
 *   limits live in memory or Redis and expire there by themselves.)
 * - one_time_codes: expired more than TOKEN_RETENTION ago (a code never outlives its expiry, used or
 *   not);
 * - code_budgets: the attempt budgets whose window closed (no live code left) with no cool-down
 *   running: a new code would start them from zero anyway.
 *
 * Every step is a loop of short statements of at most PURGE_BATCH_SIZE rows, each found through an
 * index (migrations 0001, 0005 and 0014) and committed on its own, with a return to the event loop between
 * batches: no table scan, no long transaction, no lock held for long, so requests keep flowing.
 */

export interface PurgeOptions {
  /** Count what a pass would delete, and delete nothing. */
  dryRun?: boolean;
  /** Called after each batch with the running count of the target being purged, and the batch's size and time. */
  onProgress?: (target: PurgeTarget, rowsSoFar: number, batch: PurgeBatch) => void;
  /** Stops the pass between batches (shutdown). */
  signal?: AbortSignal;
}

export interface PurgeBatch {
  rows: number;
  ms: number;
}

export interface PurgeResult {
  /** true when another instance held the purge lock, so this pass did nothing. */
  skipped: boolean;
  dryRun: boolean;
  counts: PurgeCounts;
}

/** Runs one purge pass. On PostgreSQL it runs only if no other instance is purging. */
export async function runPurge(ctx: Context, options: PurgeOptions = {}): Promise<PurgeResult> {
  const cut = cutoffs(ctx);
  if (options.dryRun) {
    return { skipped: false, dryRun: true, counts: await countPurgeable(ctx.db, cut) };
  }
  const counts = await withPurgeLock(ctx, (db) => purgeAll(ctx, db, cut, options));
  if (counts === null) return { skipped: true, dryRun: false, counts: zeroCounts() };
  for (const target of PURGE_TARGETS) ctx.metrics.recordPurged(target, counts[target]);
  return { skipped: false, dryRun: false, counts };
}

async function purgeAll(ctx: Context, db: Db, cut: Cutoffs, options: PurgeOptions): Promise<PurgeCounts> {
  const batchSize = ctx.config.purge.batchSize;
  const counts = zeroCounts();
  const statements = purgeStatements(db, cut, batchSize);
  for (const target of PURGE_TARGETS) {
    if (options.signal?.aborted) break;
    const progress = (soFar: number, rows: number, ms: number) =>
      options.onProgress?.(target, soFar, { rows, ms });
    if (target === 'security_tokens') {
      counts[target] = await purgeTokens(db, {
        expiredBefore: cut.tokensExpiredBefore,
        batchSize,
        onBatch: progress,
        signal: options.signal,
      });
      continue;
    }
    for (const statement of statements[target]) {
      const done = counts[target];
      counts[target] += await inBatches(
        statement,
        batchSize,
        (n, rows, ms) => progress(done + n, rows, ms),
        options.signal,
      );
    }
  }
  return counts;
}

/** Repeats one bounded statement until it touches fewer rows than a full batch. */
async function inBatches(
  statement: BatchStatement,
  batchSize: number,
  onBatch: (soFar: number, rows: number, ms: number) => void,
  signal: AbortSignal | undefined,
): Promise<number> {
  let total = 0;
  while (!signal?.aborted) {
    const began = performance.now();
    const result = await statement.executeTakeFirst();
    const took = performance.now() - began;
    const rows = Number('numDeletedRows' in result ? result.numDeletedRows : result.numUpdatedRows);
    total += rows;
    if (rows > 0) onBatch(total, rows, took);
    if (rows < batchSize) break;
    await restAfterBatch(took);
  }
  return total;
}

/** What a pass would delete now, counted through the same indexes, each row once. */
async function countPurgeable(db: Db, cut: Cutoffs): Promise<PurgeCounts> {
  const count = async (query: { executeTakeFirstOrThrow(): Promise<{ n: number | string | bigint }> }) =>
    Number((await query.executeTakeFirstOrThrow()).n);
  const n = sql<number>`count(*)`.as('n');
  return {
    security_tokens: await count(
      db.selectFrom('security_tokens').select(n).where('expires_at', '<', cut.tokensExpiredBefore),
    ),
    sessions:
      (await count(db.selectFrom('sessions').select(n).where('expires_at', '<', cut.now))) +
      (await count(
        db
          .selectFrom('sessions')
          .select(n)
          .where('last_seen_at', '<', cut.sessionsIdleSince)
          .where('expires_at', '>=', cut.now),
      )),
    email_outbox: await count(
      db
        .selectFrom('email_outbox')
        .select(n)
        .where('status', 'in', ['sent', 'failed'])
        .where('created_at', '<', cut.outboxCreatedBefore),
    ),
    invitations: await count(
      db.selectFrom('invitations').select(n).where('expires_at', '<', cut.invitationsExpiredBefore),
    ),
    audit_events: await count(db.selectFrom('audit_events').select(n).where('at', '<', cut.auditBefore)),
    login_failures: await count(
      db
        .selectFrom('login_failures')
        .select(n)
        .where('window_start', '<', cut.loginWindowStartedBefore)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', cut.now)])),
    ),
    one_time_codes: await count(
      db.selectFrom('one_time_codes').select(n).where('expires_at', '<', cut.tokensExpiredBefore),
    ),
    code_budgets: await count(
      db
        .selectFrom('code_budgets')
        .select(n)
        .where('window_ends_at', '<', cut.now)
        .where((eb) => eb.or([eb('cooldown_until', 'is', null), eb('cooldown_until', '<=', cut.now)])),
    ),
    webhook_outbox:
      (await count(db.selectFrom('webhook_attempts').select(n).where('at', '<', cut.outboxCreatedBefore))) +
      (await count(
        db.selectFrom('webhook_deliveries').select(n).where('finished_at', '<', cut.outboxCreatedBefore),
      )) +
      (await count(
        db.selectFrom('webhook_events').select(n).where('created_at', '<', cut.webhookEventsCreatedBefore),
      )),
  };
}

function zeroCounts(): PurgeCounts {
  return {
    security_tokens: 0,
    sessions: 0,
    email_outbox: 0,
    invitations: 0,
    audit_events: 0,
    login_failures: 0,
    one_time_codes: 0,
    code_budgets: 0,
    webhook_outbox: 0,
  };
}

/** First key of the two-key advisory lock: "otop" in ASCII. */
const PURGE_LOCK_CLASS = 0x6f746f70;

/**
 * On PostgreSQL, runs the pass on one connection that holds a session-level advisory lock, so only
 * one instance purges at a time; when another holds it, returns null at once rather than waiting.
 * The second key is derived from the schema, so deployments (or test runs) in different schemas of
 * one database do not block each other. If the connection dies, PostgreSQL drops the lock with it.
 * On SQLite, one file means one machine, and the write lock already serialises the batches.
 */
async function withPurgeLock<T>(ctx: Context, pass: (db: Db) => Promise<T>): Promise<T | null> {
  if (dialectOf(ctx.db) !== 'postgres') return pass(ctx.db);
  return ctx.db.connection().execute(async (connection) => {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(connection);
    const key = schemaKey(rows[0]?.schema ?? 'public');
    const locked = await sql<{ locked: boolean }>`
      select pg_try_advisory_lock(${PURGE_LOCK_CLASS}::int4, ${key}::int4) as locked`.execute(connection);
    if (!locked.rows[0]?.locked) return null;
    try {
      return await pass(connection);
    } finally {
      await sql`select pg_advisory_unlock(${PURGE_LOCK_CLASS}::int4, ${key}::int4)`
        .execute(connection)
        .catch(() => {});
    }
  });
}

function schemaKey(schema: string): number {
  return createHash('sha256').update(schema).digest().readInt32BE(0);
}
