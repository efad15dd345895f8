import type { Context } from '../context.ts';
import type { OutboxMessage } from '../db/schema.ts';
import type { MailObserver } from '../metrics.ts';
import { claimDue, markFailed, markSent, releaseClaims, scheduleRetry } from './claims.ts';
import { describeSendError, retryDelayMs } from './retry.ts';
import type { MailTransport } from './transport.ts';

/**
 * The outbox dispatcher: claims due messages in batches, hands them to the transport and records
 * the outcome. Delivery is at least once: a message is marked sent only after the server accepted
 * it, so a crash in between sends it again, with the Message-ID fixed at enqueue time so that the
 * receiver can drop the duplicate.
 */

export interface DispatcherOptions {
  transport: MailTransport;
  /** Told about every outcome, for metrics. Never given an address, a body or an error text. */
  observer?: MailObserver;
  /** Defaults: OUTBOX_BATCH_SIZE, OUTBOX_LEASE and OUTBOX_MAX_ATTEMPTS. */
  batchSize?: number;
  leaseMs?: number;
  maxAttempts?: number;
  /** Source of the retry jitter, in [0, 1). */
  random?: () => number;
}

export interface BatchReport {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  /** Claimed but handed back unsent because the dispatcher was asked to stop. */
  released: number;
  /** True when the batch was full, so more messages are probably due right now. */
  full: boolean;
}

export interface Dispatcher {
  /** Claims one batch of due messages and delivers it. An aborted signal stops handing out sends. */
  dispatchBatch(signal?: AbortSignal): Promise<BatchReport>;
}

export function createDispatcher(ctx: Context, options: DispatcherOptions): Dispatcher {
  const { transport, observer } = options;
  const batchSize = options.batchSize ?? ctx.config.mail.batchSize;
  const leaseMs = options.leaseMs ?? ctx.config.mail.leaseSeconds * 1000;
  const maxAttempts = options.maxAttempts ?? ctx.config.mail.maxAttempts;
  const random = options.random ?? Math.random;

  async function dispatchBatch(signal?: AbortSignal): Promise<BatchReport> {
    const claimed = await claimDue(ctx, { batchSize, leaseMs });
    const report: BatchReport = {
      claimed: claimed.length,
      sent: 0,
      retried: 0,
      failed: 0,
      released: 0,
      full: claimed.length >= batchSize,
    };
    if (claimed.length === 0) return report;

    // A message claimed more often than it may be attempted keeps killing its sender (or keeps
    // outliving its lease): stop trying rather than loop forever.
    const exhausted = claimed.filter((m) => m.attempts > maxAttempts);
    for (const message of exhausted) {
      if (await markFailed(ctx.db, message, ctx.clock.now(), 'lease expired on every attempt')) {
        report.failed++;
        observer?.failed(message.kind);
      }
    }

    const outcome = await sendAll(
      claimed.filter((m) => m.attempts <= maxAttempts),
      transport,
      signal,
    );

    const sentIds = await markSent(ctx.db, outcome.sent, ctx.clock.now(), transport.keepsBodies);
    for (const message of outcome.sent) {
      if (!sentIds.has(message.id)) continue;
      report.sent++;
      observer?.sent(message.kind);
    }

    for (const { message, error } of outcome.failures) {
      const problem = describeSendError(error);
      const now = ctx.clock.now();
      const retry = !problem.permanent && message.attempts < maxAttempts;
      ctx.logger.warn(
        {
          outboxId: message.id,
          kind: message.kind,
          attempt: message.attempts,
          error: problem.summary,
          retry,
        },
        'email not sent',
      );
      if (retry) {
        const at = now + retryDelayMs(message.attempts, random);
        if (await scheduleRetry(ctx.db, message, at, problem.summary)) {
          report.retried++;
          observer?.retried(message.kind);
        }
      } else if (await markFailed(ctx.db, message, now, problem.summary)) {
        report.failed++;
        observer?.failed(message.kind);
      }
    }

    report.released = await releaseClaims(ctx.db, outcome.unsent, ctx.clock.now());
    return report;
  }

  return { dispatchBatch };
}

interface SendOutcome {
  sent: OutboxMessage[];
  failures: { message: OutboxMessage; error: unknown }[];
  unsent: OutboxMessage[];
}

/**
 * Sends with as many messages in flight as the transport allows. Once the signal is aborted no
 * further message is handed over; those are returned as unsent, to be released. When the server
 * cannot be reached at all (an error without an SMTP reply), the rest of the batch is not tried:
 * it shares that failure and its backoff, instead of each message waiting out its own connection
 * timeout while the lease runs.
 */
async function sendAll(
  messages: OutboxMessage[],
  transport: MailTransport,
  signal: AbortSignal | undefined,
): Promise<SendOutcome> {
  const outcome: SendOutcome = { sent: [], failures: [], unsent: [] };
  const queue = [...messages];
  let unreachable: unknown = null;
  const lane = async () => {
    for (let message = queue.shift(); message !== undefined; message = queue.shift()) {
      if (signal?.aborted) {
        outcome.unsent.push(message);
      } else if (unreachable !== null) {
        outcome.failures.push({ message, error: unreachable });
      } else {
        try {
          await transport.send(message);
          outcome.sent.push(message);
        } catch (error) {
          outcome.failures.push({ message, error });
          if (isUnreachable(error)) unreachable = error;
        }
      }
    }
  };
  const lanes = Math.max(1, Math.min(transport.concurrency, messages.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  return outcome;
}

function isUnreachable(error: unknown): boolean {
  const { responseCode } = (error ?? {}) as { responseCode?: unknown };
  return typeof responseCode !== 'number' && !describeSendError(error).permanent;
}
