import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { FLOW_PURPOSES, PURPOSE_PATTERN } from './purposes.ts';
import type { ConsumeOutcome, TokenObserver } from './tokens/tokens.ts';

/**
 * oto's Prometheus metrics, in a registry of their own per context (never prom-client's global
 * one), so that several apps in one process, as in the tests, each count only their own work.
 *
 * Label rule: a label value is always one of a small, known set (purposes, outcomes, email kinds,
 * table names, route patterns, methods, status codes). No label ever holds a token, an email
 * address, a user id or a raw URL: those are secrets or personal data, and each distinct value
 * would also create a time series of its own.
 */

/** What the engine reports, folded into the six outcomes operators care about. */
export type ConsumeMetricOutcome = 'ok' | 'used' | 'expired' | 'revoked' | 'invalid' | 'binding';

export function consumeMetricOutcome(outcome: ConsumeOutcome): ConsumeMetricOutcome {
  // An unknown token and another purpose's token are the same thing to the caller: token_invalid.
  if (outcome === 'unknown' || outcome === 'wrong_purpose') return 'invalid';
  // A superseded token is a revoked one whose revocation a newer token explains.
  return outcome === 'superseded' ? 'revoked' : outcome;
}

/** The dispatcher's events, per email kind. */
export interface MailObserver {
  sent(kind: string): void;
  failed(kind: string): void;
  retried(kind: string): void;
}

export interface OutboxStats {
  /** Messages waiting to be sent (pending or being sent). */
  depth: number;
  /** Age of the oldest of them, in seconds; 0 when there is none. */
  oldestPendingAgeSeconds: number;
}

/** Told about each webhook attempt (src/webhooks/dispatcher.ts). Endpoint ids only, never URLs. */
export interface WebhookObserver {
  /** result: succeeded, retried, failed or refused. */
  delivered(event: string, endpointId: string, result: string): void;
  attempted(endpointId: string, seconds: number): void;
}

export interface Metrics {
  readonly registry: Registry;
  readonly tokenObserver: TokenObserver;
  readonly mailObserver: MailObserver;
  readonly webhookObserver: WebhookObserver;
  /** The webhook gauge asks this on each scrape: the oldest undelivered event's age in seconds. */
  setWebhookBacklog(source: () => Promise<number>): void;
  /** Rows deleted (or reset) by the purge, per table. */
  recordPurged(table: string, rows: number): void;
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void;
  /** The outbox gauges ask this on each scrape; without it they read 0. */
  setOutboxStats(source: () => Promise<OutboxStats>): void;
  /** Process metrics (CPU, memory, event loop lag, GC), added once, by the app that serves them. */
  collectProcessMetrics(): void;
}

/**
 * Purposes come from API callers, so the label's values are bounded. The schema already limits a
 * purpose to PURPOSE_PATTERN; on top of that only the first MAX_PURPOSE_LABELS distinct purposes
 * get a series of their own and the rest count as "other". Without this cap a caller that used a
 * fresh purpose per request (a bug, or an attack) would grow the registry, the scrape and
 * Prometheus's storage without limit. oto's own flow purposes are always labelled.
 */
export const MAX_PURPOSE_LABELS = 50;
export const OTHER_PURPOSE = 'other';

export function createMetrics(): Metrics {
  const registry = new Registry();
  const purposeLabel = boundedPurposes();

  const issued = new Counter({
    name: 'oto_tokens_issued_total',
    help: 'Tokens issued, by purpose.',
    labelNames: ['purpose'] as const,
    registers: [registry],
  });
  const consumed = new Counter({
    name: 'oto_token_consumes_total',
    help: 'Token consume attempts, by purpose and outcome (ok, used, expired, revoked, invalid, binding).',
    labelNames: ['purpose', 'outcome'] as const,
    registers: [registry],
  });
  const emails = new Counter({
    name: 'oto_emails_total',
    help: 'Outbox deliveries, by email kind and status (sent, failed for good, retried).',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
  });
  const purged = new Counter({
    name: 'oto_purged_rows_total',
    help: 'Rows deleted by the purge, by table.',
    labelNames: ['table'] as const,
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: 'oto_http_request_duration_seconds',
    help: 'HTTP request duration, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const webhookDeliveries = new Counter({
    name: 'oto_webhook_deliveries_total',
    help: 'Webhook delivery outcomes, by event, result (succeeded, retried, failed, refused) and endpoint id.',
    labelNames: ['event', 'result', 'endpoint'] as const,
    registers: [registry],
  });
  const webhookAttempts = new Histogram({
    name: 'oto_webhook_attempt_duration_seconds',
    help: 'Webhook HTTP attempts and their duration, by endpoint id.',
    labelNames: ['endpoint'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  let webhookBacklog: (() => Promise<number>) | null = null;
  new Gauge({
    name: 'oto_webhook_oldest_pending_age_seconds',
    help: 'Age of the oldest webhook delivery not yet done, in seconds (0 when none).',
    registers: [registry],
    async collect() {
      const age = await (webhookBacklog?.() ?? Promise.resolve(null)).catch(() => null);
      if (age !== null) this.set(age);
    },
  });

  let outboxStats: (() => Promise<OutboxStats>) | null = null;
  // One read serves both gauges of a scrape.
  let pendingRead: Promise<OutboxStats | null> | null = null;
  const readOutbox = () => {
    pendingRead ??= (outboxStats?.() ?? Promise.resolve(null))
      .catch(() => null)
      .finally(() => {
        pendingRead = null;
      });
    return pendingRead;
  };
  new Gauge({
    name: 'oto_outbox_depth',
    help: 'Emails waiting in the outbox (pending or being sent).',
    registers: [registry],
    async collect() {
      const stats = await readOutbox();
      if (stats) this.set(stats.depth);
    },
  });
  new Gauge({
    name: 'oto_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest email waiting in the outbox, in seconds (0 when empty).',
    registers: [registry],
    async collect() {
      const stats = await readOutbox();
      if (stats) this.set(stats.oldestPendingAgeSeconds);
    },
  });

  let processMetrics = false;

  return {
    registry,
    tokenObserver: {
      issued: (purpose) => issued.inc({ purpose: purposeLabel(purpose) }),
      consumed: (purpose, outcome) =>
        consumed.inc({ purpose: purposeLabel(purpose), outcome: consumeMetricOutcome(outcome) }),
    },
    mailObserver: {
      sent: (kind) => emails.inc({ kind, status: 'sent' }),
      failed: (kind) => emails.inc({ kind, status: 'failed' }),
      retried: (kind) => emails.inc({ kind, status: 'retried' }),
    },
    webhookObserver: {
      delivered: (event, endpoint, result) => webhookDeliveries.inc({ event, result, endpoint }),
      attempted: (endpoint, seconds) => webhookAttempts.observe({ endpoint }, seconds),
    },
    setWebhookBacklog(source) {
      webhookBacklog = source;
    },
    recordPurged(table, rows) {
      if (rows > 0) purged.inc({ table }, rows);
    },
    observeRequest(method, route, statusCode, seconds) {
      requestDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
    },
    setOutboxStats(source) {
      outboxStats = source;
    },
    collectProcessMetrics() {
      if (processMetrics) return;
      processMetrics = true;
      collectDefaultMetrics({ register: registry });
    },
  };
}

function boundedPurposes(): (purpose: string) => string {
  const seen = new Set<string>(FLOW_PURPOSES);
  return (purpose) => {
    if (seen.has(purpose)) return purpose;
    if (!PURPOSE_PATTERN.test(purpose) || seen.size >= MAX_PURPOSE_LABELS + FLOW_PURPOSES.length)
      return OTHER_PURPOSE;
    seen.add(purpose);
    return purpose;
  };
}
