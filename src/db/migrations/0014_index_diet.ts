import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * The index diet (issue 22): security_tokens loses the two indexes that only the purge read, on
 * used_at and revoked_at. They were written by every consume (used_at) and every supersede or
 * revoke (revoked_at), and on PostgreSQL a changed indexed column rules out a HOT update: each
 * consume wrote a new tuple version into all seven indexes of the table, with their WAL. Measured
 * in the bench before this migration: 0% of the consume's updates were HOT.
 *
 * The purge no longer needs them: from this release on it deletes a token once it expired more
 * than TOKEN_RETENTION ago, whatever became of it (src/tokens/purge.ts), through
 * security_tokens_expires_at. A spent or revoked token lives on until then as it did before, so
 * "already used" answers and single use are unchanged.
 *
 * PostgreSQL: fillfactor 90 leaves a tenth of each heap page free, so that the consume's new tuple
 * version fits on its own page, which a HOT update needs. It applies to pages written from now on
 * (inserts respect it on any page, including the ones the purge empties), so an existing table
 * takes it up as its tokens turn over within one retention period; nothing is rewritten here.
 * SQLite has no HOT update nor fillfactor: there the index drops alone spare each consume and
 * supersede two index writes.
 *
 * email_outbox and sessions keep their indexes. Every change of an outbox row's status also moves
 * next_attempt_at or leaves the claim's partial index (email_outbox_claimable, whose predicate reads
 * status), so no outbox update could be HOT even without email_outbox_status_created_at. Sessions'
 * last_seen_at index serves only the purge of idle sessions, and makes the touch of a session (at
 * most once a minute) non-HOT; no flow of the benchmark touches a session, so nothing measured here
 * justifies keeping idle sessions until their absolute expiry instead. See docs/benchmark.md.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('security_tokens_used_at').execute();
  await db.schema.dropIndex('security_tokens_revoked_at').execute();
  if (dialectOf(db) === 'postgres') {
    await sql`alter table security_tokens set (fillfactor = 90)`.execute(db);
  }
}
