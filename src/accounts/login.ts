import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import type { User } from '../db/schema.ts';
import { transact } from '../webhooks/record.ts';
import { checkEmail, type InputError } from './input.ts';
import { admitAttempt, type Cooldown, clearAttempts } from './login-throttle.ts';
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
  | { ok: false; reason: 'account_disabled' }
  | ({ ok: false; reason: 'cooling_down' } & Cooldown);

/**
 * Log in with email and password.
 *
 * Nothing in the answer, nor in the work done, depends on whether the address has an account: an
 * unknown email checks the password against a dummy hash, and the throttle (login-throttle.ts)
 * counts attempts per address, for addresses with and without an account alike. After
 * LOGIN_MAX_FAILURES attempts within LOGIN_FAILURE_WINDOW that did not log in, every attempt gets
 * the same 429 with the same Retry-After for LOGIN_COOLDOWN, without a password check, so a guesser
 * gains nothing and a prober cannot tell a locked account from a locked stranger. The count is per
 * address (guessers rotate IPs), and a password reset lifts it, so it cannot lock the owner out.
 */
export async function logIn(ctx: Context, input: LoginInput): Promise<LoginResult> {
  const errors = checkEmail(input.email);
  if (Buffer.byteLength(input.password, 'utf8') > MAX_PASSWORD_BYTES) {
    errors.push({ field: 'password', message: `must be at most ${MAX_PASSWORD_BYTES} bytes long` });
  }
  if (errors.length > 0) return { ok: false, reason: 'invalid_input', errors };

  const admission = await admitAttempt(ctx, input.email);
  const user = await findUserByEmail(ctx.db, input.email);
  const failed = (reason: string) =>
    recordAudit(ctx.db, ctx.clock, {
      event: 'login.failed',
      userId: user?.id ?? null,
      ip: input.ip ?? null,
      detail: { reason },
    });
  if (!admission.admitted) {
    await failed('cooling_down');
    const { retryAfterSeconds, untilReset } = admission;
    return { ok: false, reason: 'cooling_down', retryAfterSeconds, untilReset };
  }

  if (user === undefined) {
    await burnHashTime(input.password);
    await failed('unknown_email');
    return { ok: false, reason: 'invalid_credentials' };
  }
  if (!(await verifyPassword(user.password_hash, input.password))) {
    await failed('wrong_password');
    return { ok: false, reason: 'invalid_credentials' };
  }

  // The right password ends the guessing, verified address or not. Only the right password learns
  // that the account is disabled: to anyone else it answers as any wrong password does.
  if (user.disabled_at !== null) {
    await clearAttempts(ctx.db, admission);
    await failed('account_disabled');
    return { ok: false, reason: 'account_disabled' };
  }
  if (user.email_verified_at === null) {
    await clearAttempts(ctx.db, admission);
    return { ok: false, reason: 'email_not_verified' };
  }
  const created = await transact(ctx, async (trx) => {
    await clearAttempts(trx, admission);
    const session = await createSession(ctx, trx, user.id, input);
    await recordAudit(trx, ctx.clock, { event: 'login.succeeded', userId: user.id, ip: input.ip ?? null });
    return session;
  });
  return { ok: true, user, created };
}
