import { hashPassword } from '../../src/accounts/passwords.ts';
import { cleanEmail, normalizeEmail } from '../../src/accounts/users.ts';
import type { Context } from '../../src/context.ts';
import { newId } from '../../src/db/ids.ts';
import type { User } from '../../src/db/schema.ts';

/** A user row straight in the database, for tests about what comes after sign-up. */
export async function insertUser(
  ctx: Context,
  email: string,
  options: { password?: string; verified?: boolean } = {},
): Promise<User> {
  const now = ctx.clock.now();
  return ctx.db
    .insertInto('users')
    .values({
      id: newId(now),
      email: cleanEmail(email),
      email_normalized: normalizeEmail(email),
      password_hash: options.password === undefined ? null : await hashPassword(options.password),
      email_verified_at: options.verified === false ? null : now,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
