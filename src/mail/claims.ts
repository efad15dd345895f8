import { sql } from 'kysely';
import type { Millis } from '../clock.ts';
import type { Context } from '../context.ts';
import { dialectOf } from '../db/dialect.ts';
import type { Db, OutboxMessage } from '../db/schema.ts';
import type { OutboxStats } from '../metrics.ts';

/**
 * The outbox messages a dispatcher claims (dispatcher.ts). A claim sets status 'sending',
 * attempts + 1 and a lease (lease_until, mirrored in next_attempt_at so that one index range finds
 * due messages and expired leases alike). While the lease runs no other dispatcher takes the
 * message; once it has run out, because its holder died, any dispatcher does. Every later write is
 * fenced on the lease it was claimed with: a holder whose lease was taken over writes nothing, and
 * the new holder's outcome stands.
 */

/**
 * Claims up to batchSize due messages in one statement: pending ones whose time has come, and
 * 'sending' ones whose lease ran out. On PostgreSQL the inner SELECT locks its rows FOR UPDATE SKIP
 * LOCKED, so concurrent dispatchers take disjoint batches without waiting for each other (and a
 * row another claim committed meanwhile is re-checked against the WHERE and dropped). On SQLite a
 * write statement holds the database's only write lock, which serialises claims.
 */
export async function claimDue(
  ctx: Pick<Context, 'db' | 'clock' | 'storage'>,
  options: { batchSize: number; leaseMs: number },
): Promise<OutboxMessage[]> {
  const now = ctx.clock.now();
  const leaseUntil = now + options.leaseMs;
  let due = ctx.db
    .selectFrom('email_outbox')
    .select('id')
    // Literal statuses, to match the partial index email_outbox_claimable (0002).
    .where(sql<boolean>`status in ('pending', 'sending')`)
    .where('next_attempt_at', '<=', now)
    .orderBy('priority')
    .orderBy('next_attempt_at')
    .limit(options.batchSize);
  if (dialectOf(ctx.db) === 'postgres') due = due.forUpdate().skipLocked();
  const rows = await ctx.db
    .updateTable('email_outbox')
    .set({
      status: 'sending',
      lease_until: leaseUntil,
      next_attempt_at: leaseUntil,
      attempts: sql<number>`attempts + 1`,
    })
    .where('id', 'in', due)
    .returningAll()
    .execute();
  // Account mail first, then oldest first: ids are time-ordered (UUIDv7).
  return rows.sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Records delivery. The bodies and headers (which hold the link, hence the token) are erased in
 * the same statement, except for the dev transport, whose outbox is the developer's inbox.
 * Returns the ids whose lease was still ours.
 */
export async function markSent(db: Db, messages: OutboxMessage[], now: Millis, keepBodies: boolean) {
  const done = new Set<string>();
  // All messages of one claim share its lease_until, the fence for every write below.
  for (const group of groupByLease(messages)) {
    const erased = keepBodies ? {} : { text_body: null, html_body: null, headers: null };
    const rows = await db
      .updateTable('email_outbox')
      .set({ status: 'sent', sent_at: now, lease_until: null, last_error: null, ...erased })
      .where(
        'id',
        'in',
        group.map((m) => m.id),
      )
      .where('status', '=', 'sending')
      .where('lease_until', '=', group[0]!.lease_until)
      .returning('id')
      .execute();
    for (const row of rows) done.add(row.id);
  }
  await eraseRecipients(
    db,
    messages.filter((m) => done.has(m.id)),
  );
  return done;
}

/**
 * Kinds whose row keeps neither its address nor its bodies once delivered or given up, whatever the
 * transport (the dev mailbox included): the notice to a deleted account, whose address must then be
 * nowhere (src/accounts/account-deletion.ts). That account's earlier mail was erased when it was
 * deleted; this notice could not be, as it had yet to go out.
 */
export const ERASED_ON_DELIVERY: ReadonlySet<string> = new Set(['account_deleted']);

async function eraseRecipients(db: Db, messages: OutboxMessage[]): Promise<void> {
  const ids = messages.filter((m) => ERASED_ON_DELIVERY.has(m.kind)).map((m) => m.id);
  if (ids.length === 0) return;
  await db
    .updateTable('email_outbox')
    .set({ recipient: '', text_body: null, html_body: null, headers: null })
    .where('id', 'in', ids)
    .where('status', 'in', ['sent', 'failed'])
    .execute();
}

function groupByLease(messages: OutboxMessage[]): OutboxMessage[][] {
  const groups = new Map<number | null, OutboxMessage[]>();
  for (const message of messages) {
    const group = groups.get(message.lease_until);
    if (group) group.push(message);
    else groups.set(message.lease_until, [message]);
  }
  return [...groups.values()];
}

export async function scheduleRetry(
  db: Db,
  message: OutboxMessage,
  at: Millis,
  error: string,
): Promise<boolean> {
  const result = await fenced(db, message)
    .set({ status: 'pending', next_attempt_at: at, lease_until: null, last_error: error })
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Gives up on a message for good; its bodies are erased, as after a delivery. */
export async function markFailed(
  db: Db,
  message: OutboxMessage,
  now: Millis,
  error: string,
): Promise<boolean> {
  const result = await fenced(db, message)
    .set({
      status: 'failed',
      lease_until: null,
      next_attempt_at: now,
      last_error: error,
      text_body: null,
      html_body: null,
      headers: null,
      ...(ERASED_ON_DELIVERY.has(message.kind) ? { recipient: '' } : {}),
    })
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Hands unsent claims back: pending again, due now, and the claim does not count as an attempt. */
export async function releaseClaims(db: Db, messages: OutboxMessage[], now: Millis): Promise<number> {
  let released = 0;
  for (const group of groupByLease(messages)) {
    const result = await db
      .updateTable('email_outbox')
      .set({
        status: 'pending',
        next_attempt_at: now,
        lease_until: null,
        attempts: sql<number>`attempts - 1`,
      })
      .where(
        'id',
        'in',
        group.map((m) => m.id),
      )
      .where('status', '=', 'sending')
      .where('lease_until', '=', group[0]!.lease_until)
      .executeTakeFirst();
    released += Number(result.numUpdatedRows);
  }
  return released;
}

/**
 * An update of one claimed message that applies only while the claim is still ours. A later claim
 * of the same message always has a later lease_until (it can only start after ours ran out), so
 * lease_until identifies the claim.
 */
function fenced(db: Db, message: OutboxMessage) {
  return db
    .updateTable('email_outbox')
    .where('id', '=', message.id)
    .where('status', '=', 'sending')
    .where('lease_until', '=', message.lease_until);
}

/** For the outbox gauges: how much mail is waiting, and for how long the oldest has waited. */
export async function outboxStats(ctx: Pick<Context, 'db' | 'clock'>): Promise<OutboxStats> {
  const row = await ctx.db
    .selectFrom('email_outbox')
    .select((eb) => [eb.fn.countAll<number>().as('depth'), eb.fn.min('created_at').as('oldest')])
    .where(sql<boolean>`status in ('pending', 'sending')`)
    .executeTakeFirstOrThrow();
  const oldest = row.oldest === null ? null : Number(row.oldest);
  return {
    depth: Number(row.depth),
    oldestPendingAgeSeconds: oldest === null ? 0 : Math.max(0, (ctx.clock.now() - oldest) / 1000),
  };
}
