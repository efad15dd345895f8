import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then.
type AnyDb = Kysely<any>;

/** The purge deletes invitations long expired (src/jobs/purge.ts), in batches found through this. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.createIndex('invitations_expires_at').on('invitations').column('expires_at').execute();
}
