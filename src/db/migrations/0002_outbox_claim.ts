import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * The dispatcher's claim reads `status in ('pending', 'sending') and next_attempt_at <= now
 * order by priority, next_attempt_at limit n`. Account mail has priority 0 and bulk mail
 * (newsletters) 1, so a password reset queued behind a newsletter to 100,000 people still leaves
 * first. A claimed message has next_attempt_at = lease_until, so one
 * ordered range of this partial index serves both due messages and expired leases, and a claim
 * costs the same with a backlog of a million messages as with ten. Sent and failed messages,
 * the bulk of the table, are not in the index at all.
 *
 * It replaces email_outbox_due (status, next_attempt_at), which served the pending half only. Each
 * index on the outbox is written on every status change, so the superseded one goes.
 *
 * The predicate is written with literals: SQLite uses a partial index only when the query's
 * WHERE repeats the index's terms, and a bound parameter does not count.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createIndex('email_outbox_claimable')
    .on('email_outbox')
    .columns(['priority', 'next_attempt_at'])
    .where(sql<boolean>`status in ('pending', 'sending')`)
    .execute();
  await db.schema.dropIndex('email_outbox_due').execute();
}
