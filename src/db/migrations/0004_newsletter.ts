import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  // One row per newsletter send: the idempotency record, and the cursor that lets a retried or
  // crashed send resume where it stopped instead of starting over.
  await db.schema
    .createTable('newsletter_sends')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('last_user_id', 'text')
    .addColumn('batches', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('queued', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();

  // The recipients of a newsletter, walked in id order: only subscribed, verified users are in it.
  await db.schema
    .createIndex('users_newsletter_recipients')
    .on('users')
    .column('id')
    .where(sql<boolean>`email_verified_at is not null and unsubscribed_at is null`)
    .execute();

  // The last line of defence against a double send: one message per user per send, whatever the
  // application code does.
  await db.schema
    .createIndex('email_outbox_send_user')
    .on('email_outbox')
    .columns(['send_id', 'user_id'])
    .unique()
    .where('send_id', 'is not', null)
    .execute();
}
