import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import type { Db, User } from '../db/schema.ts';
import { verifyPassword } from './passwords.ts';
import { normalizeEmail } from './users.ts';

/**
 * The per-address login throttle: at most LOGIN_MAX_FAILURES password checks per address within
 * LOGIN_FAILURE_WINDOW, then a cool-down of LOGIN_COOLDOWN during which no password is checked.
 *
 * Why it is keyed by address and not by account: the answer must not tell whether an address has an
 * account. So an address without one is counted, locked and answered exactly like an address with
 * one, and the counters live in a table of their own (login_failures) rather than on the users row,
 * which only exists for one of the two. Rows are keyed by a fingerprint of the normalised address:
 * the table needs only equality, and holds no address in the clear (unknown addresses included).
 *
 * Why an attempt is counted BEFORE its password is checked (and forgiven when it was right): a count
 * taken after the check lets a burst of parallel guesses all pass a "not locked yet" read before the
 * first failure lands, so a guesser with many connections gets far more than the allowance. Taking
 * a numbered ticket first, in one atomic upsert, admits at most LOGIN_MAX_FAILURES checks per
 * window however many requests arrive at once, on SQLite and on PostgreSQL alike.
 */

/**
 * Whether an attempt may have its password checked; if so, `key` clears the count after a success.
 * `untilReset`: the address has had LOGIN_MAX_CONSECUTIVE_FAILURES failed checks in a row, and only
 * a password reset (or LOGIN_FAILURE_MEMORY without an attempt) lets checks resume.
 */
export type Admission = { admitted: true; key: string } | ({ admitted: false } & Cooldown);

/** Why an attempt got no password check, and for how long. */
export interface Cooldown {
  retryAfterSeconds: number;
  untilReset: boolean;
}

/** The row key of an address: a domain-separated SHA-256 of its normalised form, lower-case hex. */
export function throttleKey(email: string): string {
  return createHash('sha256').update('oto-login-throttle\0').update(normalizeEmail(email)).digest('hex');
}

/**
 * Counts one attempt for the address and says whether its password may be checked.
 *
 * One INSERT … ON CONFLICT DO UPDATE, so concurrent attempts each get their own number. Every SET
 * expression reads the row as it was before the statement. A run of attempts is over, and the next
 * one starts a new run at 1, when its cool-down has ended or, with no cool-down, when its window has
 * passed (a window passing during a cool-down does not end it). The attempt numbered
 * LOGIN_MAX_FAILURES starts the cool-down; it is still checked, and the ones after it are refused
 * until the cool-down ends. The count stops one past the maximum, so a flood does not grow it.
 *
 * The streak counts the checked attempts across runs; only a login or a reset (clearAttempts) ends
 * it. NIST SP 800-63B caps failed attempts in a row at 100: cool-downs alone would allow some 480 a
 * day for ever. Refused attempts do not add to it, so a flood during a cool-down cannot push an
 * account into the hold that needs a reset.
 */
export async function admitAttempt(ctx: Context, email: string): Promise<Admission> {
  const key = throttleKey(email);
  const now = ctx.clock.now();
  const {
    loginMaxFailures: max,
    loginFailureWindowSeconds,
    loginCooldownSeconds,
    loginMaxConsecutiveFailures: maxStreak,
  } = ctx.config.limits;
  const windowOpenedBefore = now - loginFailureWindowSeconds * 1000;
  const lockEnd = now + loginCooldownSeconds * 1000;
  const over = sql<boolean>`(case when login_failures.locked_until is null
    then login_failures.window_start <= ${windowOpenedBefore}
    else login_failures.locked_until <= ${now} end)`;
  const count = sql<number>`(case when ${over} then 1
    when login_failures.failures > ${max} then login_failures.failures
    else login_failures.failures + 1 end)`;
  // A check happens: this attempt is within the run's allowance and the streak's.
  const checked = sql<boolean>`(${count} <= ${max} and login_failures.streak <= ${maxStreak})`;
  const row = await ctx.db
    .insertInto('login_failures')
    .values({ key, failures: 1, window_start: now, locked_until: max <= 1 ? lockEnd : null, streak: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: count,
        streak: sql<number>`(case when ${checked} then login_failures.streak + 1 else login_failures.streak end)`,
        window_start: sql<number>`(case when ${over} then cast(${now} as bigint) else login_failures.window_start end)`,
        locked_until: sql<number | null>`(case when ${count} = ${max} then cast(${lockEnd} as bigint)
          when ${over} then null else login_failures.locked_until end)`,
      }),
    )
    .returning(['failures', 'locked_until', 'streak'])
    .executeTakeFirstOrThrow();
  if (row.streak > maxStreak)
    return { admitted: false, retryAfterSeconds: loginCooldownSeconds, untilReset: true };
  if (row.failures <= max) return { admitted: true, key };
  const lockedUntil = row.locked_until ?? lockEnd;
  return {
    admitted: false,
    retryAfterSeconds: Math.max(1, Math.ceil((lockedUntil - now) / 1000)),
    untilReset: false,
  };
}

/**
 * Forgets the address's attempts: its owner proved the password (a login) or the mailbox (a
 * password reset). Takes the key from admitAttempt, or the address.
 */
export async function clearAttempts(db: Db, which: { key: string } | { email: string }): Promise<void> {
  const key = 'key' in which ? which.key : throttleKey(which.email);
  await db.deleteFrom('login_failures').where('key', '=', key).execute();
}

export type PasswordProof =
  | { ok: true; admission: { key: string } }
  | { ok: false; reason: 'wrong_password' }
  | ({ ok: false; reason: 'cooling_down' } & Cooldown);

/**
 * Checks the password of a known account outside a login (a change of email, a verification in
 * another browser). It counts toward the same per-address throttle as logging in, so that no other
 * form becomes an unlimited password oracle, and a wrong one is audited as a failed login. The
 * caller clears the attempts (clearAttempts with `admission`) once what it guards is done.
 */
export async function proveOwnPassword(
  ctx: Context,
  input: { user: User; password: string; ip: string | null; during: string },
): Promise<PasswordProof> {
  const admission = await admitAttempt(ctx, input.user.email);
  if (!admission.admitted) {
    const { retryAfterSeconds, untilReset } = admission;
    return { ok: false, reason: 'cooling_down', retryAfterSeconds, untilReset };
  }
  if (!(await verifyPassword(input.user.password_hash, input.password))) {
    await recordAudit(ctx.db, ctx.clock, {
      event: 'login.failed',
      userId: input.user.id,
      ip: input.ip,
      detail: { reason: 'wrong_password', during: input.during },
    });
    return { ok: false, reason: 'wrong_password' };
  }
  return { ok: true, admission };
}
