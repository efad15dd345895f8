import { recordAudit } from '../audit.ts';
import type { Millis } from '../clock.ts';
import type { Context } from '../context.ts';
import { ID_PATTERN } from '../db/ids.ts';
import type { WebhookDeliveryStatus } from '../db/schema.ts';
import type { Operator } from './endpoints.ts';

/** The delivery log, for the admin API and `oto webhooks deliveries`, and a manual retry. */

export const DELIVERY_STATUSES = ['pending', 'sending', 'succeeded', 'failed'] as const;

export interface AttemptView {
  at: Millis;
  responseStatus: number | null;
  /** At most 200 characters of the receiver's answer. */
  responseExcerpt: string | null;
  error: string | null;
  durationMs: number;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  event: string;
  endpointId: string;
  status: WebhookDeliveryStatus;
  attempts: AttemptView[];
  nextAttemptAt: Millis | null;
  createdAt: Millis;
  finishedAt: Millis | null;
}

export async function listDeliveries(
  ctx: Context,
  filter: { endpointId?: string; status?: WebhookDeliveryStatus; limit?: number },
): Promise<DeliveryView[]> {
  let query = ctx.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 50);
  if (filter.endpointId !== undefined) query = query.where('endpoint_id', '=', filter.endpointId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  const rows = await query.execute();
  if (rows.length === 0) return [];
  const attempts = await ctx.db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where(
      'delivery_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('at')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    eventId: row.event_id,
    event: row.event_name,
    endpointId: row.endpoint_id,
    status: row.status,
    attempts: attempts
      .filter((a) => a.delivery_id === row.id)
      .map((a) => ({
        at: a.at,
        responseStatus: a.response_status,
        responseExcerpt: a.response_excerpt,
        error: a.error,
        durationMs: a.duration_ms,
      })),
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  }));
}

/** A failed (or waiting) delivery, due again now. 'unknown' for an id that names none. */
export async function retryDelivery(
  ctx: Context,
  id: string,
  by: Operator,
): Promise<'queued' | 'unknown' | 'in_progress' | 'succeeded'> {
  if (!ID_PATTERN.test(id)) return 'unknown';
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('webhook_deliveries')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) return 'unknown';
    if (row.status === 'sending') return 'in_progress';
    if (row.status === 'succeeded') return 'succeeded';
    const now = ctx.clock.now();
    await trx
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', next_attempt_at: now, finished_at: null, created_at: now })
      .where('id', '=', id)
      .where('status', 'in', ['pending', 'failed'])
      .execute();
    await recordAudit(trx, ctx.clock, {
      event: 'webhook.delivery_retried',
      ...by,
      detail: { deliveryId: id },
    });
    return 'queued';
  });
}
