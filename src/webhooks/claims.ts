import { sql } from 'kysely';
import type { Millis } from '../clock.ts';
import type { Context } from '../context.ts';
import { dialectOf } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import type { Db, WebhookDelivery } from '../db/schema.ts';

/**
 * Claims of webhook deliveries: the email outbox's lease pattern (src/mail/claims.ts). A claim sets
 * status 'sending', attempts + 1 and a lease mirrored in next_attempt_at; an expired lease makes the
 * delivery claimable again; every later write is fenced on the lease it was claimed with.
 */

export async function claimDueDeliveries(
  ctx: Pick<Context, 'db' | 'clock'>,
  options: { batchSize: number; leaseMs: number },
): Promise<WebhookDelivery[]> {
  const now = ctx.clock.now();
  const leaseUntil = now + options.leaseMs;
  let due = ctx.db
    .selectFrom('webhook_deliveries')
    .select('id')
    // Literal statuses, to match the partial index webhook_deliveries_claimable (0012).
    .where(sql<boolean>`status in ('pending', 'sending')`)
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .limit(options.batchSize);
  if (dialectOf(ctx.db) === 'postgres') due = due.forUpdate().skipLocked();
  const rows = await ctx.db
    .updateTable('webhook_deliveries')
    .set({
      status: 'sending',
      lease_until: leaseUntil,
      next_attempt_at: leaseUntil,
      attempts: sql<number>`attempts + 1`,
    })
    .where('id', 'in', due)
    .returningAll()
    .execute();
  return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface AttemptRecord {
  status: number | null;
  excerpt: string | null;
  error: string | null;
  durationMs: number;
}

/**
 * Records an attempt and the delivery's new state, if the claim is still ours: 'succeeded' or
 * 'failed' (done), or 'pending' again at `retryAt`. False when another dispatcher took it over.
 */
export async function settleDelivery(
  db: Db,
  delivery: WebhookDelivery,
  attempt: AttemptRecord,
  next: { status: 'succeeded' | 'failed'; at: Millis } | { status: 'pending'; at: Millis; retryAt: Millis },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('webhook_deliveries')
      .set({
        status: next.status,
        lease_until: null,
        next_attempt_at: next.status === 'pending' ? next.retryAt : next.at,
        last_status: attempt.status,
        last_error: attempt.error,
        finished_at: next.status === 'pending' ? null : next.at,
      })
      .where('id', '=', delivery.id)
      .where('status', '=', 'sending')
      .where('lease_until', '=', delivery.lease_until)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return false;
    await trx
      .insertInto('webhook_attempts')
      .values({
        id: newId(next.at),
        delivery_id: delivery.id,
        at: next.at,
        response_status: attempt.status,
        response_excerpt: attempt.excerpt,
        error: attempt.error,
        duration_ms: attempt.durationMs,
      })
      .execute();
    return true;
  });
}

/** Hands an unsent claim back: due now, and the claim does not count as an attempt. */
export async function releaseDelivery(db: Db, delivery: WebhookDelivery, now: Millis): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: now, lease_until: null, attempts: sql<number>`attempts - 1` })
    .where('id', '=', delivery.id)
    .where('status', '=', 'sending')
    .where('lease_until', '=', delivery.lease_until)
    .execute();
}

/** For the backlog gauge: seconds since the oldest delivery not yet done was created. */
export async function webhookBacklogSeconds(ctx: Pick<Context, 'db' | 'clock'>): Promise<number> {
  const row = await ctx.db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.min('created_at').as('oldest'))
    .where(sql<boolean>`status in ('pending', 'sending')`)
    .executeTakeFirstOrThrow();
  return row.oldest === null ? 0 : Math.max(0, (ctx.clock.now() - Number(row.oldest)) / 1000);
}
