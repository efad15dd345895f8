import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * The login throttle's count of password checks that failed in a row, across cool-downs, until a
 * login succeeds or the password is reset (src/accounts/login-throttle.ts). Rows that exist when it
 * arrives start from zero.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .alterTable('login_failures')
    .addColumn('streak', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
