import type { Context } from '../context.ts';
import { newId } from '../db/ids.ts';
import type { Db } from '../db/schema.ts';
import { type OtoEventName, type OtoEvents, WEBHOOK_EVENTS, type WebhookEventName } from '../events.ts';
import { subscribedEndpoints } from './subscribers.ts';

/**
 * Recording an event: the one way a flow tells the world something happened. In the flow's
 * transaction it writes the webhook outbox (an event row and a delivery per subscribed endpoint),
 * and once that transaction has committed it hands the event to library mode's in-process handlers.
 * A rolled-back change therefore neither sends a webhook nor calls a handler.
 */

type AfterCommit = Array<() => void>;

/** The work each open transaction of transact() runs once it has committed. */
const afterCommit = new WeakMap<Db, AfterCommit>();

/**
 * ctx.db.transaction().execute(work), and then, only if it committed, what recordEvent scheduled
 * inside it. Flows that record events run their transaction through this.
 */
export async function transact<T>(ctx: Pick<Context, 'db'>, work: (trx: Db) => Promise<T>): Promise<T> {
  const pending: AfterCommit = [];
  const result = await ctx.db.transaction().execute(async (trx) => {
    afterCommit.set(trx, pending);
    return work(trx);
  });
  for (const run of pending) run();
  return result;
}

/**
 * Records an event in `trx`: the outbox rows when an enabled endpoint subscribes to it (nothing
 * otherwise, so flows pay nothing without webhooks), and the in-process emit after commit. `trx`
 * is a transaction opened by transact(), or a plain handle for a single autocommitted statement's
 * aftermath, in which case the emit is scheduled at once.
 */
export async function recordEvent<E extends OtoEventName>(
  ctx: Context,
  trx: Db,
  name: E,
  payload: OtoEvents[E],
): Promise<void> {
  const pending = afterCommit.get(trx);
  if (pending === undefined && trx.isTransaction)
    throw new Error(
      `recordEvent(${name}): open the transaction with transact(), or it cannot emit after commit`,
    );
  if (isWebhookEvent(name)) await writeOutbox(ctx, trx, name, payload);
  const emit = () => {
    ctx.events.emit(name, payload);
    // Library mode's older name for an unsubscription (src/events.ts).
    if (name === 'subscription.changed' && !(payload as OtoEvents['subscription.changed']).subscribed)
      ctx.events.emit('user.unsubscribed', { userId: (payload as OtoEvents['subscription.changed']).userId });
  };
  if (pending === undefined) emit();
  else pending.push(emit);
}

/** True when recording this event now would write webhook rows: flows with a faster path that
 * bypasses the transaction (a one-statement PostgreSQL form) take the transactional one then. */
export async function webhooksWant(ctx: Context, name: OtoEventName): Promise<boolean> {
  return isWebhookEvent(name) && (await subscribedEndpoints(ctx, ctx.db, name)).length > 0;
}

function isWebhookEvent(name: string): name is WebhookEventName {
  return (WEBHOOK_EVENTS as readonly string[]).includes(name);
}

/**
 * The Standard Webhooks body: {type, timestamp, data}. Written once, so every endpoint and every
 * retry gets the same bytes, and the webhook-id (the event's id) lets a receiver drop duplicates.
 */
async function writeOutbox(ctx: Context, trx: Db, name: WebhookEventName, payload: object): Promise<void> {
  const endpoints = await subscribedEndpoints(ctx, trx, name);
  if (endpoints.length === 0) return;
  await enqueueEvent(ctx, trx, name, payload, endpoints);
}

/** Writes one event and its deliveries to the given endpoints; returns the event's id. */
export async function enqueueEvent(
  ctx: Pick<Context, 'clock'>,
  trx: Db,
  name: string,
  payload: object,
  endpointIds: readonly string[],
): Promise<string> {
  const now = ctx.clock.now();
  const id = newId(now);
  const body = JSON.stringify({ type: name, timestamp: new Date(now).toISOString(), data: payload });
  await trx.insertInto('webhook_events').values({ id, name, payload: body, created_at: now }).execute();
  await trx
    .insertInto('webhook_deliveries')
    .values(
      endpointIds.map((endpointId) => ({
        id: newId(now),
        event_id: id,
        endpoint_id: endpointId,
        event_name: name,
        next_attempt_at: now,
        created_at: now,
      })),
    )
    .execute();
  return id;
}
