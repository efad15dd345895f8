import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Context } from '../context.ts';
import { dialectOf } from '../db/dialect.ts';
import { prepared } from '../db/prepared.ts';
import type { Db, User } from '../db/schema.ts';
import type { EmailKind } from '../mail/templates.ts';
import { findUserByNormalizedEmail } from './users.ts';

/**
 * Per-recipient caps on the emails anyone can make oto send to an address (MAIL_CAP_*_PER_HOUR).
 * Counted from the outbox, so they hold across instances, IPs and restarts.
 *
 * Count-then-insert is only safe when no other transaction can insert for the same address between
 * the two. lockRecipient gives that: on PostgreSQL a transaction-scoped advisory lock keyed on the
 * address (released at commit or rollback), also taken inside oto_request_password_reset (migration
 * 0006); SQLite's BEGIN IMMEDIATE already serialises every write transaction. The same lock also
 * serialises two sign-ups for one new address, so neither trips on the unique index.
 */

export const CAP_WINDOW_MS = 3_600_000;

/** The emails that count against each cap. "Account exists" notices come from sign-up attempts,
 * so they share the verification cap: otherwise sign-ups could flood a verified address. */
export const CAPPED_KINDS = {
  verify: ['verify_email', 'account_exists'],
  reset: ['password_reset'],
} as const satisfies Record<string, readonly EmailKind[]>;

export type CapName = keyof typeof CAPPED_KINDS;

/** Call first thing in the transaction, with the normalised address. */
export async function lockRecipient(ctx: Context, trx: Db, emailNormalized: string): Promise<void> {
  if (dialectOf(ctx.db) !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(${recipientLockKey(emailNormalized)}::bigint)`.execute(trx);
}

/**
 * The start of every flow that may email an address: take the address's lock, then read its
 * account, if any. Reading after the lock means the account cannot change under the flow.
 */
export async function lockRecipientAndFindUser(
  ctx: Context,
  trx: Db,
  emailNormalized: string,
): Promise<User | undefined> {
  await lockRecipient(ctx, trx, emailNormalized);
  return findUserByNormalizedEmail(trx, emailNormalized);
}

/** True while the address has had fewer than the cap's allowance of capped emails in the last hour. */
export async function underCap(ctx: Context, trx: Db, recipient: string, cap: CapName): Promise<boolean> {
  const limit = cap === 'verify' ? ctx.config.mail.capVerifyPerHour : ctx.config.mail.capResetPerHour;
  const since = ctx.clock.now() - CAP_WINDOW_MS;
  const row = await (cap === 'verify' ? recentVerifyMail : recentResetMail).first(trx, { recipient, since });
  return Number(row?.count ?? 0) < limit;
}

/** Capped emails to one address since an instant; the kinds are fixed per cap, part of the SQL. */
function countRecent(kinds: readonly EmailKind[]) {
  return prepared((db, p: { recipient: string; since: number }) =>
    db
      .selectFrom('email_outbox')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('count'))
      .where('recipient', '=', p.recipient)
      .where('kind', 'in', [...kinds])
      .where('created_at', '>', p.since),
  );
}
const recentVerifyMail = countRecent(CAPPED_KINDS.verify);
const recentResetMail = countRecent(CAPPED_KINDS.reset);

/**
 * The address's advisory lock key, a signed 64-bit number from its hash: a collision only makes two
 * addresses wait for each other. Also taken by oto_request_password_reset (migration 0006).
 */
export function recipientLockKey(value: string): string {
  return createHash('sha256').update('oto-recipient\0').update(value).digest().readBigInt64BE(0).toString();
}
