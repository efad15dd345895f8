import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Millis } from '../clock.ts';
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
 *
 * rowsSince is the one counter of every hourly cap: these, the change-of-email links' (email-change.ts)
 * and the invitations' (src/invitations/inviting.ts). oto_request_password_reset counts in its own SQL.
 */

export const CAP_WINDOW_MS = 3_600_000;

/** The emails that count against each cap. "Account exists" notices come from sign-up attempts,
 * so they share the verification cap: otherwise sign-ups could flood a verified address. */
export const CAPPED_KINDS = {
  verify: ['verify_email', 'account_exists'],
  reset: ['password_reset'],
  // Sign-in links open an account as a reset does; an offer to create one is a sign-up's email.
  signIn: ['sign_in', 'sign_in_new_account', 'action_code'],
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
  const since = ctx.clock.now() - CAP_WINDOW_MS;
  return (await RECENT_MAIL[cap](trx, recipient, since)) < capLimit(ctx, cap);
}

function capLimit(ctx: Context, cap: CapName): number {
  const { mail } = ctx.config;
  return { verify: mail.capVerifyPerHour, reset: mail.capResetPerHour, signIn: mail.capSignInPerHour }[cap];
}

/** How many rows one value has written since an instant: what an hourly cap counts. */
export type RowsSince = (db: Db, value: string, since: Millis) => Promise<number>;

/**
 * The counter behind every hourly cap: the rows of `table` whose `column` holds a value and that
 * were created after an instant; for emails, only those of the cap's kinds. Built once per cap, as a
 * prepared query: the caps are checked on the hot path.
 */
export function rowsSince(table: 'email_outbox', column: 'recipient', kinds: readonly EmailKind[]): RowsSince;
export function rowsSince(table: 'invitations', column: 'inviter_id' | 'email_normalized'): RowsSince;
export function rowsSince(
  table: 'email_outbox' | 'invitations',
  column: 'recipient' | 'inviter_id' | 'email_normalized',
  kinds?: readonly EmailKind[],
): RowsSince {
  const count = prepared((db, p: { value: string; since: number }) => {
    let query = db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('count'))
      .where(column, '=', p.value);
    if (kinds !== undefined) query = query.where('kind', 'in', [...kinds]);
    return query.where('created_at', '>', p.since);
  });
  return async (db, value, since) => Number((await count.first(db, { value, since }))?.count ?? 0);
}

/**
 * The address's advisory lock key, a signed 64-bit number from its hash: a collision only makes two
 * addresses wait for each other. Also taken by oto_request_password_reset (migration 0006).
 */
// The kinds are fixed per cap, part of the SQL.
const RECENT_MAIL: Record<CapName, RowsSince> = {
  verify: rowsSince('email_outbox', 'recipient', CAPPED_KINDS.verify),
  reset: rowsSince('email_outbox', 'recipient', CAPPED_KINDS.reset),
  signIn: rowsSince('email_outbox', 'recipient', CAPPED_KINDS.signIn),
};

export function recipientLockKey(value: string): string {
  return createHash('sha256').update('oto-recipient\0').update(value).digest().readBigInt64BE(0).toString();
}
