import type { Context } from '../context.ts';
import type { Db, User } from '../db/schema.ts';
import { queueMail } from '../mail/queue.ts';
import { auditCooldown } from './code-check.ts';
import { lockRecipient, underCap } from './mail-caps.ts';

/**
 * Codes for the sensitive actions of an account without a password (one that signs in by email).
 * Those actions ask for the current password, so that a stolen session can do no lasting harm; an
 * account without one proves itself instead with a code emailed for that one action, under the
 * codes' budget rules (src/tokens/codes.ts). The code is bound to the action (its own purpose,
 * `action:<name>`) and to the password version, so a code for one action does nothing for another,
 * and is spent in the transaction of the action it authorises (spendActionCode, first thing).
 */

export const SENSITIVE_ACTIONS = [
  'change_email',
  'change_password',
  'delete_account',
  'revoke_other_sessions',
] as const;
export type SensitiveAction = (typeof SENSITIVE_ACTIONS)[number];

export function actionPurpose(action: SensitiveAction): string {
  return `action:${action}`;
}

function actionBinding(user: Pick<User, 'id' | 'password_version'>, action: SensitiveAction): string {
  return `${actionPurpose(action)}:${user.id}:pv${user.password_version}`;
}

export type SendActionCodeResult = { ok: true } | { ok: false; reason: 'has_password' };

/**
 * Emails the logged-in user a code for one action, under the sign-in emails' hourly cap. An account
 * with a password uses its password instead. Earlier codes of the action are superseded; the budget
 * of wrong guesses is not refilled.
 */
export async function sendActionCode(
  ctx: Context,
  input: { user: User; action: SensitiveAction },
): Promise<SendActionCodeResult> {
  const { user, action } = input;
  if (user.password_hash !== null) return { ok: false, reason: 'has_password' };
  await ctx.db.transaction().execute(async (trx) => {
    await lockRecipient(ctx, trx, user.email_normalized);
    if (!(await underCap(ctx, trx, user.email, 'signIn'))) return;
    const issued = await ctx.codes.issue(trx, {
      purpose: actionPurpose(action),
      userId: user.id,
      binding: actionBinding(user, action),
    });
    if (!issued.ok) return;
    await queueMail(
      ctx,
      trx,
      'action_code',
      user.email,
      {
        action,
        code: issued.code,
        codeValidFor: ctx.config.codes.ttlSeconds,
      },
      { userId: user.id, locale: user.locale },
    );
  });
  return { ok: true };
}

/**
 * The code of an action, spent as the first step of the action's transaction. False when refused:
 * the caller then returns without throwing, so that the wrong guess still counts.
 */
export async function spendActionCode(
  ctx: Context,
  trx: Db,
  input: { user: User; action: SensitiveAction; code: unknown; ip: string | null },
): Promise<boolean> {
  const purpose = actionPurpose(input.action);
  const consumed = await ctx.codes.consume(trx, {
    purpose,
    userId: input.user.id,
    code: input.code,
    binding: actionBinding(input.user, input.action),
  });
  if (!consumed.ok)
    await auditCooldown(ctx, trx, { userId: input.user.id, ip: input.ip, purpose }, consumed.reason);
  return consumed.ok;
}
