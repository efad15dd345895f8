import { sql } from 'kysely';
import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import type { Db } from '../db/connect.ts';
import type { User } from '../db/schema.ts';
import { checkEmail, type InputError } from './input.ts';
import { burnHashTime, MAX_PASSWORD_BYTES, verifyPassword } from './passwords.ts';
import { type CreatedSession, createSession, type SessionOrigin } from './sessions.ts';
import { findUserByEmail } from './users.ts';

export interface LoginInput extends SessionOrigin {
  email: string;
  password: string;
}

export type LoginResult =
  | { ok: true; user: User; created: CreatedSession }
  | { ok: false; reason: 'invalid_input'; errors: InputError[] }
  | { ok: false; reason: 'invalid_credentials' }
  | { ok: false; reason: 'email_not_verified' }
  | { ok: false; reason: 'cooling_down'; retryAfterSeconds: number };

/**
 * Log in with email and password.
 *
 * A wrong email and a wrong password give the same answer after the same work: an unknown email
 * checks the password against a dummy hash. After LOGIN_MAX_FAILURES wrong passwords within
 * LOGIN_FAILURE_WINDOW the account cools down for LOGIN_COOLDOWN: every attempt is refused without
 * checking the password, so a guesser gains nothing. The cool-down is per account (guessers rotate
 * IPs) and does not stop a password reset, so it cannot lock the owner out.
 * Known trade-off: the cool-down answer (429) differs from invalid_credentials, so an attacker
 * who spends LOGIN_MAX_FAILURES guesses on an address learns that it has an account. Per-IP rate
 * limits bound how many addresses can be probed that way.
 */
export async function logIn(ctx: Context, input: LoginInput): Promise<LoginResult> {
  const errors = checkEmail(input.email);
  if (Buffer.byteLength(input.password, 'utf8') > MAX_PASSWORD_BYTES) {
    errors.push({ field: 'password', message: `must be at most ${MAX_PASSWORD_BYTES} bytes long` });
  }
  if (errors.length > 0) return { ok: false, reason: 'invalid_input', errors };

  const user = await findUserByEmail(ctx.db, input.email);
  if (user === undefined) {
    await burnHashTime(input.password);
    await recordAudit(ctx.db, ctx.clock, {
      event: 'login.failed',
      ip: input.ip ?? null,
      detail: { reason: 'unknown_email' },
    });
    return { ok: false, reason: 'invalid_credentials' };
  }

  const now = ctx.clock.now();
  if (user.login_locked_until !== null && user.login_locked_until > now) {
    await recordAudit(ctx.db, ctx.clock, {
      event: 'login.failed',
      userId: user.id,
      ip: input.ip ?? null,
      detail: { reason: 'cooling_down' },
    });
    return {
      ok: false,
      reason: 'cooling_down',
      retryAfterSeconds: Math.ceil((user.login_locked_until - now) / 1000),
    };
  }

  if (!(await verifyPassword(user.password_hash, input.password))) {
    await ctx.db.transaction().execute(async (trx) => {
      await countFailure(ctx, trx, user.id);
      await recordAudit(trx, ctx.clock, {
        event: 'login.failed',
        userId: user.id,
        ip: input.ip ?? null,
        detail: { reason: 'wrong_password' },
      });
    });
    return { ok: false, reason: 'invalid_credentials' };
  }

  if (user.email_verified_at === null) return { ok: false, reason: 'email_not_verified' };

  const created = await ctx.db.transaction().execute(async (trx) => {
    await clearFailures(trx, user.id);
    const session = await createSession(ctx, trx, user.id, input);
    await recordAudit(trx, ctx.clock, { event: 'login.succeeded', userId: user.id, ip: input.ip ?? null });
    return session;
  });
  return { ok: true, user, created };
}

/**
 * Counts a wrong password in one UPDATE, so concurrent failures are all counted. A new window
 * starts when the last one is over or a cool-down has run out; the cool-down starts on the failure
 * that reaches the maximum.
 */
export async function countFailure(ctx: Context, trx: Db, userId: string): Promise<void> {
  const now = ctx.clock.now();
  const { loginMaxFailures, loginFailureWindowSeconds, loginCooldownSeconds } = ctx.config.limits;
  const windowStart = now - loginFailureWindowSeconds * 1000;
  const fresh = sql<boolean>`(failed_login_window_start is null or failed_login_window_start <= cast(${windowStart} as bigint) or (login_locked_until is not null and login_locked_until <= cast(${now} as bigint)))`;
  const count = sql<number>`(case when ${fresh} then 1 else failed_logins + 1 end)`;
  await trx
    .updateTable('users')
    .set({
      failed_logins: count,
      failed_login_window_start: sql<number>`(case when ${fresh} then cast(${now} as bigint) else failed_login_window_start end)`,
      login_locked_until: sql<
        number | null
      >`(case when ${count} >= ${loginMaxFailures} then cast(${now + loginCooldownSeconds * 1000} as bigint) when ${fresh} then null else login_locked_until end)`,
    })
    .where('id', '=', userId)
    .execute();
}

/** Forgets past failures: after a successful login, or a password reset (the mailbox was proven). */
export async function clearFailures(trx: Db, userId: string): Promise<void> {
  await trx
    .updateTable('users')
    .set({ failed_logins: 0, failed_login_window_start: null, login_locked_until: null })
    .where('id', '=', userId)
    .execute();
}
