import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * Indexes the purge job walks, so that each batch is a range read of an index instead of a scan of
 * the table (checked with EXPLAIN on both dialects in test/purge.test.ts):
 * - idle sessions, by last_seen_at (absolute expiry already has sessions_expires_at);
 * - finished outbox rows, by (status, created_at): the purge asks for one status at a time;
 * - login_failures rows, by window_start: the purge deletes the runs whose window has passed (and
 *   whose cool-down, if any, is over).
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.createIndex('sessions_last_seen_at').on('sessions').column('last_seen_at').execute();
  await db.schema
    .createIndex('email_outbox_status_created_at')
    .on('email_outbox')
    .columns(['status', 'created_at'])
    .execute();
  await db.schema
    .createIndex('login_failures_window_start')
    .on('login_failures')
    .column('window_start')
    .execute();
}
