import { sql } from 'kysely';
import type { Millis } from '../clock.ts';
import type { Context } from '../context.ts';
import { dialectOf } from '../db/dialect.ts';
import type { Db, OutboxMessage } from '../db/schema.ts';
import type { MailObserver, OutboxStats } from '../metrics.ts';
import type { MailTransport } from './transport.ts';

export type { MailObserver, OutboxStats };

/**
 * The outbox dispatcher: claims due messages in batches, hands them to the transport and records
 * the outcome. Delivery is at least once: a message is marked sent only after the server accepted
 * it, so a crash in between sends it again, with the Message-ID fixed at enqueue time so that the
 * receiver can drop the duplicate.
 *
 * A claim sets status 'sending', attempts + 1 and a lease (lease_until, mirrored in
 * next_attempt_at so that one index range finds due messages and expired leases alike). While
 * the lease runs no other dispatcher takes the message; once it has run out, because its holder
 * died, any dispatcher does. Every later write is fenced on the lease it was claimed with: a
 * holder whose lease was taken over writes nothing, and the new holder's outcome stands.
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

/** First retry after about 30 s, doubling up to an hour: an SMTP outage of an hour loses nothing. */
const RETRY_BASE_MS = 30_000;
const RETRY_CAP_MS = 3_600_000;

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

/**
 * Records delivery. The bodies and headers (which hold the link, hence the token) are erased in
 * the same statement, except for the dev transport, whose outbox is the developer's inbox.
 * Returns the ids whose lease was still ours.
 */
async function markSent(db: Db, messages: OutboxMessage[], now: Millis, keepBodies: boolean) {
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
  return done;
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

async function scheduleRetry(db: Db, message: OutboxMessage, at: Millis, error: string): Promise<boolean> {
  const result = await fenced(db, message)
    .set({ status: 'pending', next_attempt_at: at, lease_until: null, last_error: error })
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Gives up on a message for good; its bodies are erased, as after a delivery. */
async function markFailed(db: Db, message: OutboxMessage, now: Millis, error: string): Promise<boolean> {
  const result = await fenced(db, message)
    .set({
      status: 'failed',
      lease_until: null,
      next_attempt_at: now,
      last_error: error,
      text_body: null,
      html_body: null,
      headers: null,
    })
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Hands unsent claims back: pending again, due now, and the claim does not count as an attempt. */
async function releaseClaims(db: Db, messages: OutboxMessage[], now: Millis): Promise<number> {
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

/** Exponential backoff with jitter: a random point in the upper half of the doubled interval. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export interface SendProblem {
  /** A rejection that retrying the same message would get again. */
  permanent: boolean;
  /** Safe to store and log: codes only, never the server's text, which may echo the message. */
  summary: string;
}

const CODE = /^[A-Z][A-Z0-9_]{0,31}$/;
const COMMAND = /^[A-Z][A-Z ]{0,15}$/;

/**
 * Classifies a transport error. 5xx replies are permanent (except 503, a session-state error
 * that a new connection fixes); 4xx replies and connection errors are transient, and so is any
 * other error without a reply, except an envelope nodemailer itself refuses. A failed AUTH is
 * treated as transient even though it is a 5xx: it is the operator's configuration that is wrong,
 * not the message, and every message would otherwise fail for good before anyone fixed it.
 */
export function describeSendError(error: unknown): SendProblem {
  const e = (error ?? {}) as {
    code?: unknown;
    originalCode?: unknown;
    responseCode?: unknown;
    response?: unknown;
    command?: unknown;
    permanent?: unknown;
  };
  const code = typeof e.code === 'string' && CODE.test(e.code) ? e.code : null;
  const command = typeof e.command === 'string' && COMMAND.test(e.command) ? e.command : null;
  if (typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 600) {
    const reply = e.responseCode;
    const enhanced =
      typeof e.response === 'string' ? /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})\b/.exec(e.response)?.[1] : undefined;
    const authFailure = code === 'EAUTH' || code === 'ENOAUTH' || command?.startsWith('AUTH') === true;
    const permanent =
      !authFailure && (typeof e.permanent === 'boolean' ? e.permanent : reply >= 500 && reply !== 503);
    const parts = [`SMTP ${reply}`, enhanced, command ? `after ${command}` : null];
    return {
      permanent,
      summary: `${parts.filter(Boolean).join(' ')}: ${permanent ? 'permanent rejection' : 'temporary failure'}`,
    };
  }
  const original = typeof e.originalCode === 'string' && CODE.test(e.originalCode) ? e.originalCode : null;
  const codes = [code, original].filter(Boolean).join(' ');
  // An envelope nodemailer refuses before any reply (no valid recipient address) would be refused
  // again on every attempt.
  const permanent = code === 'EENVELOPE';
  return { permanent, summary: codes ? `transport error ${codes}` : 'transport error' };
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
