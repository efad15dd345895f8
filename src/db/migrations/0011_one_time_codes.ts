import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * One-time codes (src/tokens/codes.ts): short numeric codes typed by a person, stored as an HMAC
 * under a key that is not in the database, and the attempt budget they share per owner and purpose.
 *
 * A code is not unique the way a token is (a million values), so it is found by owner and purpose
 * first, never by its hash alone. The budget is one row per (purpose, owner): wrong guesses are
 * counted by an atomic increment of that row, whichever code they were aimed at, so a resend
 * (a new code) does not give a guesser a fresh count.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('one_time_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    // 'user:<id>' or 'subject:<subject>': the budget's owner key too.
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('binding', 'text')
    .addColumn('data', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('one_time_codes_by_owner')
    .on('one_time_codes')
    .columns(['owner', 'purpose'])
    .execute();
  await db.schema
    .createIndex('one_time_codes_expires_at')
    .on('one_time_codes')
    .column('expires_at')
    .execute();

  await db.schema
    .createTable('code_budgets')
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // Wrong guesses count until the last live code of the owner and purpose expires.
    .addColumn('window_ends_at', 'bigint', (c) => c.notNull())
    .addColumn('cooldown_until', 'bigint')
    .addPrimaryKeyConstraint('code_budgets_pk', ['purpose', 'owner'])
    .execute();
}
