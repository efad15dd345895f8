import type { Context } from '../context.ts';
import type { WebhookDelivery, WebhookEndpoint } from '../db/schema.ts';
import type { WebhookObserver } from '../metrics.ts';
import type { Resolver } from './address-policy.ts';
import { claimDueDeliveries, releaseDelivery, settleDelivery } from './claims.ts';
import { attemptDelivery } from './deliver.ts';
import { signingSecrets } from './endpoints.ts';
import { forgetSubscriptions } from './subscribers.ts';

/**
 * The webhook dispatcher: claims due deliveries, posts each to its endpoint and records the
 * outcome. At least once: a delivery is marked succeeded only after a 2xx, so a crash in between
 * sends it again with the same webhook-id, by which the receiver drops the duplicate.
 * - 2xx: succeeded. 410 Gone: the endpoint is disabled and the delivery failed.
 * - anything else, or no answer: retried with exponential backoff and jitter, until the event is
 *   WEBHOOK_RETRY_FOR old (about 3 days), then failed.
 */

export interface WebhookDispatcherOptions {
  observer?: WebhookObserver;
  /** Source of the retry jitter, in [0, 1). */
  random?: () => number;
  /** DNS for the SSRF check; tests answer with their own addresses. */
  resolver?: Resolver;
}

export interface WebhookBatchReport {
  claimed: number;
  succeeded: number;
  retried: number;
  failed: number;
  full: boolean;
}

/** First retry after about 30 s, doubling up to 6 hours: some 20 attempts in 3 days. */
const RETRY_BASE_MS = 30_000;
const RETRY_CAP_MS = 6 * 3_600_000;

export function webhookRetryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function createWebhookDispatcher(ctx: Context, options: WebhookDispatcherOptions = {}) {
  const observer = options.observer ?? ctx.metrics.webhookObserver;
  const random = options.random ?? Math.random;
  const settings = ctx.config.webhooks;

  /** A failed attempt: the next one after the backoff, or failed once past WEBHOOK_RETRY_FOR. */
  async function retryOrGiveUp(
    delivery: WebhookDelivery,
    outcome: Parameters<typeof settleDelivery>[2],
    at: number,
  ): Promise<'failed' | 'retried'> {
    const retryAt = at + webhookRetryDelayMs(delivery.attempts, random);
    const giveUp = retryAt > delivery.created_at + settings.retryForSeconds * 1000;
    await settleDelivery(
      ctx.db,
      delivery,
      outcome,
      giveUp ? { status: 'failed', at } : { status: 'pending', at, retryAt },
    );
    return giveUp ? 'failed' : 'retried';
  }

  async function deliverOne(delivery: WebhookDelivery, signal?: AbortSignal): Promise<keyof Counts | null> {
    if (signal?.aborted) {
      await releaseDelivery(ctx.db, delivery, ctx.clock.now());
      return null;
    }
    const [endpoint, event] = await Promise.all([
      ctx.db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('id', '=', delivery.endpoint_id)
        .executeTakeFirst(),
      ctx.db.selectFrom('webhook_events').selectAll().where('id', '=', delivery.event_id).executeTakeFirst(),
    ]);
    const now = ctx.clock.now();
    if (endpoint === undefined || endpoint.disabled_at !== null || event === undefined) {
      const error =
        endpoint === undefined
          ? 'endpoint removed'
          : event === undefined
            ? 'event purged'
            : 'endpoint disabled';
      await settleDelivery(
        ctx.db,
        delivery,
        { status: null, excerpt: null, error, durationMs: 0 },
        { status: 'failed', at: now },
      );
      observer.delivered(delivery.event_name, delivery.endpoint_id, 'failed');
      return 'failed';
    }
    let secrets: string[];
    try {
      secrets = signingSecrets(ctx.config, endpoint, now);
    } catch (error) {
      // Sealed under a signing key taken off the ring: nothing can sign it until the key is back
      // or the secret is rotated, so the delivery waits its turn like a failed attempt.
      const message = (error as Error).message;
      ctx.logger.error({ endpointId: endpoint.id }, message);
      const outcome = { status: null, excerpt: null, error: message, durationMs: 0 };
      const result = await retryOrGiveUp(delivery, outcome, now);
      observer.delivered(delivery.event_name, delivery.endpoint_id, result);
      return result;
    }
    const outcome = await attemptDelivery({
      url: endpoint.url,
      id: event.id,
      timestamp: Math.floor(now / 1000),
      body: event.payload,
      secrets,
      timeoutMs: settings.timeoutMs,
      allowPrivate: settings.allowPrivate,
      resolver: options.resolver,
    });
    observer.attempted(endpoint.id, outcome.durationMs / 1000);
    const at = ctx.clock.now();
    const status = outcome.status;
    let result: keyof Counts;
    if (status !== null && status >= 200 && status < 300) {
      result = 'succeeded';
      await settleDelivery(ctx.db, delivery, outcome, { status: 'succeeded', at });
    } else if (status === 410) {
      result = 'failed';
      await disableGone(ctx, endpoint, at);
      await settleDelivery(ctx.db, delivery, outcome, { status: 'failed', at });
    } else {
      result = await retryOrGiveUp(delivery, outcome, at);
    }
    observer.delivered(
      delivery.event_name,
      endpoint.id,
      outcome.error?.startsWith('refused') ? 'refused' : result,
    );
    if (result !== 'succeeded')
      ctx.logger.warn(
        {
          webhookDelivery: delivery.id,
          endpoint: endpoint.id,
          attempt: delivery.attempts,
          status,
          error: outcome.error,
          result,
        },
        'webhook not delivered',
      );
    return result;
  }

  async function dispatchBatch(signal?: AbortSignal): Promise<WebhookBatchReport> {
    const claimed = await claimDueDeliveries(ctx, {
      batchSize: settings.batchSize,
      leaseMs: settings.leaseSeconds * 1000,
    });
    const counts: Counts = { succeeded: 0, retried: 0, failed: 0 };
    // In parallel: one slow receiver does not hold the others' deliveries back.
    const results = await Promise.all(claimed.map((delivery) => deliverOne(delivery, signal)));
    for (const result of results) if (result !== null) counts[result]++;
    return { claimed: claimed.length, ...counts, full: claimed.length >= settings.batchSize };
  }

  return { dispatchBatch };
}

interface Counts {
  succeeded: number;
  retried: number;
  failed: number;
}

/** A 410 says the receiver is gone for good: stop sending it anything. */
async function disableGone(ctx: Context, endpoint: WebhookEndpoint, at: number): Promise<void> {
  await ctx.db
    .updateTable('webhook_endpoints')
    .set({ disabled_at: at, disabled_reason: 'gone', updated_at: at })
    .where('id', '=', endpoint.id)
    .where('disabled_at', 'is', null)
    .execute();
  forgetSubscriptions(ctx.db);
  ctx.logger.warn({ endpoint: endpoint.id }, 'webhook endpoint answered 410 Gone: disabled');
}
