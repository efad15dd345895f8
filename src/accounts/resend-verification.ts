import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import { checkEmail, type InputError } from './input.ts';
import { lockRecipientAndFindUser, underCap } from './mail-caps.ts';
import { normalizeEmail } from './users.ts';
import { sendVerificationEmail } from './verify-email.ts';

export type ResendResult = { ok: true } | { ok: false; errors: InputError[] };

/**
 * Sends a fresh verification link (the earlier ones stay valid until they expire) only for an existing unverified
 * account under its cap that is not disabled. The caller answers the same way in every case.
 */
export async function resendVerification(
  ctx: Context,
  input: { email: string; ip: string | null; browser?: string | null },
): Promise<ResendResult> {
  const errors = checkEmail(input.email);
  if (errors.length > 0) return { ok: false, errors };
  const startedAt = performance.now();
  const sent = await resendInTransaction(ctx, normalizeEmail(input.email), input);
  await ctx.timing.verificationResend.ended(startedAt, sent);
  return { ok: true };
}

/**
 * An operator sends a user a fresh verification link (the admin API): the same transaction and cap
 * as the resend form, recorded with the operator as actor. The operator knows the account, so the
 * answer says whether a link went out.
 */
export function resendVerificationAsOperator(
  ctx: Context,
  user: { email_normalized: string },
  by: { actor: string; ip: string | null },
): Promise<boolean> {
  return resendInTransaction(ctx, user.email_normalized, by);
}

function resendInTransaction(
  ctx: Context,
  emailNormalized: string,
  input: { ip: string | null; browser?: string | null; actor?: string },
): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const user = await lockRecipientAndFindUser(ctx, trx, emailNormalized);
    const allowed =
      user !== undefined &&
      user.email_verified_at === null &&
      user.disabled_at === null &&
      (await underCap(ctx, trx, user.email, 'verify'));
    const send = allowed && (await sendVerificationEmail(ctx, trx, user, input.browser));
    // Recorded on every path, and the paths that send nothing wait for as long as one that sends
    // (ctx.timing): a known and an unknown address take the same time.
    await recordAudit(trx, ctx.clock, {
      event: 'verification.requested',
      userId: user?.id ?? null,
      ip: input.ip,
      actor: input.actor ?? null,
      detail: { sent: send },
    });
    return send;
  });
}
