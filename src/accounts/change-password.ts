import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import type { User } from '../db/schema.ts';
import { pageLink } from '../links/links.ts';
import { queueMail } from '../mail/queue.ts';
import { PURPOSE } from '../purposes.ts';
import { recordEvent, transact } from '../webhooks/record.ts';
import { spendActionCode } from './action-codes.ts';
import type { InputError } from './input.ts';
import { type Cooldown, clearAttempts, proveOwnPassword } from './login-throttle.ts';
import { currentPasswordInputProblem, hashPassword, passwordProblems } from './passwords.ts';
import { revokeUserSessions } from './sessions.ts';

/**
 * Change of password by a logged-in user, who types the current one again.
 * 1. The new password is judged first (422 with the reasons); then the current one is checked
 *    through the login throttle, so a stolen session is not an unlimited password oracle.
 * 2. In one transaction: store the new hash and bump the password version (which voids every link
 *    bound to it), end every other session, revoke the live reset links, lift the login
 *    cool-down, queue the "password changed" notice with a reset link for "it wasn't me", audit.
 * The session that asked stays logged in: the person just proved they know the password.
 * An account without a password (it signs in by email) gives the code emailed for this action
 * instead (action-codes.ts), spent first in the transaction; this sets its first password.
 */

export type ChangePasswordResult =
  | { ok: true; revokedSessions: number }
  | { ok: false; reason: 'invalid_input'; errors: InputError[] }
  | { ok: false; reason: 'wrong_password' }
  | { ok: false; reason: 'code_invalid' }
  | ({ ok: false; reason: 'cooling_down' } & Cooldown);

export async function changePassword(
  ctx: Context,
  input: {
    user: User;
    sessionId: string;
    currentPassword: string;
    code?: string | undefined;
    newPassword: string;
    ip: string | null;
  },
): Promise<ChangePasswordResult> {
  const passwordless = input.user.password_hash === null;
  const errors: InputError[] = [];
  const current = passwordless ? null : currentPasswordInputProblem(input.currentPassword);
  if (current !== null) errors.push({ field: 'currentPassword', message: current });
  for (const message of passwordProblems(ctx.config, input.newPassword, { email: input.user.email })) {
    errors.push({ field: 'newPassword', message });
  }
  if (errors.length > 0) return { ok: false, reason: 'invalid_input', errors };

  const proof = passwordless
    ? null
    : await proveOwnPassword(ctx, {
        user: input.user,
        password: input.currentPassword,
        ip: input.ip,
        during: 'password_change',
      });
  if (proof !== null && !proof.ok) return proof;
  const passwordHash = await hashPassword(input.newPassword);

  const result = await transact(ctx, async (trx): Promise<ChangePasswordResult> => {
    const { user, code, ip } = input;
    if (passwordless && !(await spendActionCode(ctx, trx, { user, action: 'change_password', code, ip })))
      return { ok: false, reason: 'code_invalid' };
    const now = ctx.clock.now();
    // Only over the password that was just proven: of two changes racing, the second finds the
    // version moved and is refused as if its current password were wrong, which it now is.
    const updated = await trx
      .updateTable('users')
      .set((eb) => ({
        password_hash: passwordHash,
        password_version: eb('password_version', '+', 1),
        updated_at: now,
      }))
      .where('id', '=', input.user.id)
      .where('password_version', '=', input.user.password_version)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return { ok: false, reason: 'wrong_password' };
    if (proof !== null) await clearAttempts(trx, proof.admission);
    const revoked = await revokeUserSessions(ctx, trx, input.user.id, {
      except: input.sessionId,
      reason: 'password_change',
    });
    await ctx.tokens.revoke(trx, PURPOSE.passwordReset, { userId: input.user.id });
    await ctx.codes.revoke(trx, PURPOSE.passwordReset, { userId: input.user.id });
    await queueMail(
      ctx,
      trx,
      'password_changed',
      input.user.email,
      { resetLink: pageLink(ctx.config, '/forgot-password'), keptThisSession: true },
      { userId: input.user.id, locale: input.user.locale },
    );
    await recordAudit(trx, ctx.clock, { event: 'password.changed', userId: input.user.id, ip: input.ip });
    await recordAudit(trx, ctx.clock, {
      event: 'sessions.revoked',
      userId: input.user.id,
      ip: input.ip,
      detail: { reason: 'password_change', count: revoked },
    });
    await recordEvent(ctx, trx, 'user.password_changed', { userId: input.user.id, via: 'change' });
    return { ok: true, revokedSessions: revoked };
  });
  return result;
}
