import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import { buildLink, pageLink } from '../links/links.ts';
import { queueMail } from '../mail/queue.ts';
import type { ConsumeFailure } from '../tokens/tokens.ts';
import { passwordResetBinding } from './bindings.ts';
import { checkEmail, humanDuration, type InputError } from './input.ts';
import { clearAttempts } from './login-throttle.ts';
import { lockRecipientAndFindUser, underCap } from './mail-caps.ts';
import { hashPassword, passwordProblems } from './passwords.ts';
import { revokeUserSessions } from './sessions.ts';
import { findUserById, normalizeEmail } from './users.ts';
import { VERIFY_PURPOSE } from './verify-email.ts';

export const RESET_PURPOSE = 'password_reset';

export type RequestResetResult = { ok: true } | { ok: false; errors: InputError[] };

/**
 * Forgot password: for an existing account under its cap, issue a reset token bound to the current
 * password version (superseding older ones) and queue the email. Nothing else about the account
 * changes: the old password keeps working and no cool-down starts. The caller answers the same way
 * whether or not the address has an account.
 */
export async function requestPasswordReset(
  ctx: Context,
  input: { email: string; ip: string | null },
): Promise<RequestResetResult> {
  const errors = checkEmail(input.email);
  if (errors.length > 0) return { ok: false, errors };
  const emailNormalized = normalizeEmail(input.email);
  await ctx.db.transaction().execute(async (trx) => {
    const user = await lockRecipientAndFindUser(ctx, trx, emailNormalized);
    if (user === undefined || !(await underCap(ctx, trx, user.email, 'reset'))) {
      // Every path commits a write, so a known and an unknown address cost about the same.
      await recordAudit(trx, ctx.clock, {
        event: 'password_reset.requested',
        userId: user?.id ?? null,
        ip: input.ip,
        detail: { sent: false },
      });
      return;
    }
    const issued = await ctx.tokens.issue(trx, {
      purpose: RESET_PURPOSE,
      userId: user.id,
      binding: passwordResetBinding(user),
    });
    await queueMail(
      ctx,
      trx,
      'password_reset',
      user.email,
      {
        link: buildLink(ctx.config, 'resetPassword', issued.token),
        validFor: humanDuration(ctx.config.tokenTtl.password_reset),
      },
      { userId: user.id },
    );
    await recordAudit(trx, ctx.clock, {
      event: 'password_reset.requested',
      userId: user.id,
      ip: input.ip,
      detail: { sent: true },
    });
  });
  return { ok: true };
}

export type ResetLinkState = 'active' | ConsumeFailure;

/** The state of a reset link, for its landing page: nothing is spent. */
export async function inspectResetLink(ctx: Context, token: unknown): Promise<ResetLinkState> {
  const inspection = await ctx.tokens.inspect(ctx.db, RESET_PURPOSE, token);
  return inspection.state;
}

export type ResetResult =
  | { ok: true; userId: string }
  | { ok: false; reason: 'invalid_password'; errors: InputError[] }
  | { ok: false; reason: ConsumeFailure };

/**
 * Sets a new password from a reset link.
 * 1. The password is judged first; a refused one leaves the token usable.
 * 2. Then, in one transaction: spend the token (bound to the password version, so a link from
 *    before another password change fails), store the new hash, bump the password version, end
 *    every session, revoke every other reset and verification token, mark the email verified (the
 *    mailbox was just proven), lift any login cool-down, and queue the "password changed" notice.
 * The user is not logged in: they log in with the new password, which proves they know it.
 */
export async function resetPassword(
  ctx: Context,
  input: { token: unknown; password: string; ip: string | null },
): Promise<ResetResult> {
  const early = passwordProblems(ctx.config, input.password);
  if (early.length > 0) return invalidPassword(early);

  const inspection = await ctx.tokens.inspect(ctx.db, RESET_PURPOSE, input.token);
  if (inspection.state !== 'active' || inspection.token.userId === null) {
    return { ok: false, reason: inspection.state === 'active' ? 'unknown' : inspection.state };
  }
  const owner = await findUserById(ctx.db, inspection.token.userId);
  if (owner === undefined) return { ok: false, reason: 'unknown' };
  const problems = passwordProblems(ctx.config, input.password, { email: owner.email });
  if (problems.length > 0) return invalidPassword(problems);
  const passwordHash = await hashPassword(input.password);

  return ctx.db.transaction().execute(async (trx): Promise<ResetResult> => {
    const user = await findUserById(trx, owner.id);
    if (user === undefined) return { ok: false, reason: 'unknown' };
    const consumed = await ctx.tokens.consume(trx, {
      purpose: RESET_PURPOSE,
      token: input.token,
      binding: passwordResetBinding(user),
    });
    if (!consumed.ok) return { ok: false, reason: consumed.reason };
    const now = ctx.clock.now();
    await trx
      .updateTable('users')
      .set((eb) => ({
        password_hash: passwordHash,
        password_version: eb('password_version', '+', 1),
        email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(now)),
        updated_at: now,
      }))
      .where('id', '=', user.id)
      .execute();
    await clearAttempts(trx, { email: user.email_normalized });
    const revoked = await revokeUserSessions(trx, user.id);
    await ctx.tokens.revoke(trx, RESET_PURPOSE, { userId: user.id });
    await ctx.tokens.revoke(trx, VERIFY_PURPOSE, { userId: user.id });
    await queueMail(
      ctx,
      trx,
      'password_changed',
      user.email,
      { resetLink: pageLink(ctx.config, '/forgot-password') },
      { userId: user.id },
    );
    await recordAudit(trx, ctx.clock, { event: 'password_reset.completed', userId: user.id, ip: input.ip });
    await recordAudit(trx, ctx.clock, {
      event: 'sessions.revoked',
      userId: user.id,
      ip: input.ip,
      detail: { reason: 'password_reset', count: revoked },
    });
    return { ok: true, userId: user.id };
  });
}

function invalidPassword(messages: string[]): ResetResult {
  return {
    ok: false,
    reason: 'invalid_password',
    errors: messages.map((message) => ({ field: 'password', message })),
  };
}
