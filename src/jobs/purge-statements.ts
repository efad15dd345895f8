import type { ExpressionBuilder } from 'kysely';
import type { Millis } from '../clock.ts';
import type { Context } from '../context.ts';
import { idInBatch } from '../db/batch.ts';
import type { Database, Db } from '../db/schema.ts';

/**
 * What the purge deletes, and from when: the targets, the cut-off times read from the retention
 * settings, and each target's bounded batch statements (security_tokens' live in tokens/purge.ts).
 */
export const PURGE_TARGETS = [
  'security_tokens',
  'sessions',
  'email_outbox',
  'invitations',
  'audit_events',
  'login_failures',
  'one_time_codes',
  'code_budgets',
  'webhook_outbox',
] as const;
export type PurgeTarget = (typeof PURGE_TARGETS)[number];
export type PurgeCounts = Record<PurgeTarget, number>;

/**
 * The per-recipient caps on outbox mail and on invitations count the last hour's rows, so rows
 * younger than that are never purged, whatever OUTBOX_RETENTION or TOKEN_RETENTION say.
 */
const MIN_CAPPED_RETENTION_MS = 3_600_000;

export interface Cutoffs {
  now: Millis;
  tokensExpiredBefore: Millis;
  sessionsIdleSince: Millis;
  outboxCreatedBefore: Millis;
  invitationsExpiredBefore: Millis;
  auditBefore: Millis;
  loginWindowStartedBefore: Millis;
  webhookEventsCreatedBefore: Millis;
}

export function cutoffs(ctx: Context): Cutoffs {
  const now = ctx.clock.now();
  const { purge, sessions, limits } = ctx.config;
  return {
    now,
    tokensExpiredBefore: now - purge.tokenRetentionSeconds * 1000,
    sessionsIdleSince: now - sessions.idleTtlSeconds * 1000,
    outboxCreatedBefore: now - Math.max(purge.outboxRetentionSeconds * 1000, MIN_CAPPED_RETENTION_MS),
    invitationsExpiredBefore: now - Math.max(purge.tokenRetentionSeconds * 1000, MIN_CAPPED_RETENTION_MS),
    auditBefore: now - purge.auditRetentionSeconds * 1000,
    loginWindowStartedBefore: now - limits.loginFailureMemorySeconds * 1000,
    webhookEventsCreatedBefore:
      now -
      Math.max(purge.outboxRetentionSeconds * 1000, MIN_CAPPED_RETENTION_MS) -
      ctx.config.webhooks.retryForSeconds * 1000,
  };
}

/** One bounded statement: a DELETE (or UPDATE) of at most one batch of rows found through an index. */
export interface BatchStatement {
  compile(): { sql: string; parameters: readonly unknown[] };
  executeTakeFirst(): Promise<{ numDeletedRows: bigint } | { numUpdatedRows: bigint }>;
}

/**
 * The batch statements of every target but security_tokens (purgeTokens owns those), exported so
 * the tests can EXPLAIN exactly what runs.
 */
export function purgeStatements(
  db: Db,
  cut: Cutoffs,
  limit: number,
): Record<Exclude<PurgeTarget, 'security_tokens'>, BatchStatement[]> {
  const stale = (eb: ExpressionBuilder<Database, 'login_failures'>) =>
    eb.and([
      eb('window_start', '<', cut.loginWindowStartedBefore),
      eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', cut.now)]),
    ]);
  const sessions = (column: 'expires_at' | 'last_seen_at', before: Millis) =>
    db
      .deleteFrom('sessions')
      .where(
        idInBatch(
          db,
          db.selectFrom('sessions').select('id').where(column, '<', before).orderBy(column).limit(limit),
        ),
      );
  const outbox = (status: 'sent' | 'failed') =>
    db
      .deleteFrom('email_outbox')
      .where(
        idInBatch(
          db,
          db
            .selectFrom('email_outbox')
            .select('id')
            .where('status', '=', status)
            .where('created_at', '<', cut.outboxCreatedBefore)
            .orderBy('created_at')
            .limit(limit),
        ),
      );
  const webhookAttempts = db
    .deleteFrom('webhook_attempts')
    .where(
      idInBatch(
        db,
        db
          .selectFrom('webhook_attempts')
          .select('id')
          .where('at', '<', cut.outboxCreatedBefore)
          .orderBy('at')
          .limit(limit),
      ),
    );
  const webhookDeliveries = db
    .deleteFrom('webhook_deliveries')
    .where(
      idInBatch(
        db,
        db
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('finished_at', '<', cut.outboxCreatedBefore)
          .orderBy('finished_at')
          .limit(limit),
      ),
    );
  // An event outlives its deliveries' retries (WEBHOOK_RETRY_FOR) and the retention: by then every
  // delivery of it has finished, unless an operator retried one, which then fails as 'event purged'.
  const webhookEvents = db
    .deleteFrom('webhook_events')
    .where(
      idInBatch(
        db,
        db
          .selectFrom('webhook_events')
          .select('id')
          .where('created_at', '<', cut.webhookEventsCreatedBefore)
          .orderBy('created_at')
          .limit(limit),
      ),
    );
  const idleBudget = (eb: ExpressionBuilder<Database, 'code_budgets'>) =>
    eb.and([
      eb('window_ends_at', '<', cut.now),
      eb.or([eb('cooldown_until', 'is', null), eb('cooldown_until', '<=', cut.now)]),
    ]);
  return {
    webhook_outbox: [webhookAttempts, webhookDeliveries, webhookEvents],
    one_time_codes: [
      db
        .deleteFrom('one_time_codes')
        .where(
          idInBatch(
            db,
            db
              .selectFrom('one_time_codes')
              .select('id')
              .where('expires_at', '<', cut.tokensExpiredBefore)
              .orderBy('expires_at')
              .limit(limit),
          ),
        ),
    ],
    // As for login_failures, the test is repeated on the DELETE: a code issued between the batch's
    // SELECT and its DELETE reopens the window, and its budget stays.
    code_budgets: [
      db
        .deleteFrom('code_budgets')
        .where((eb) =>
          eb(
            eb.refTuple('purpose', 'owner'),
            'in',
            db
              .selectFrom('code_budgets')
              .select(['purpose', 'owner'])
              .where(idleBudget)
              .orderBy('window_ends_at')
              .limit(limit)
              .$asTuple('purpose', 'owner'),
          ),
        )
        .where(idleBudget),
    ],
    sessions: [sessions('expires_at', cut.now), sessions('last_seen_at', cut.sessionsIdleSince)],
    email_outbox: [outbox('sent'), outbox('failed')],
    invitations: [
      db
        .deleteFrom('invitations')
        .where(
          idInBatch(
            db,
            db
              .selectFrom('invitations')
              .select('id')
              .where('expires_at', '<', cut.invitationsExpiredBefore)
              .orderBy('expires_at')
              .limit(limit),
          ),
        ),
    ],
    audit_events: [
      db
        .deleteFrom('audit_events')
        .where(
          idInBatch(
            db,
            db
              .selectFrom('audit_events')
              .select('id')
              .where('at', '<', cut.auditBefore)
              .orderBy('at')
              .limit(limit),
          ),
        ),
    ],
    // The staleness test is repeated on the DELETE itself, so a failed login that lands between the
    // batch's SELECT and its DELETE is never wiped out.
    login_failures: [
      db
        .deleteFrom('login_failures')
        .where(
          idInBatch(
            db,
            db.selectFrom('login_failures').select('key').where(stale).orderBy('window_start').limit(limit),
            'key',
          ),
        )
        .where(stale),
    ],
  };
}
