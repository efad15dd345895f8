import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import { checkEmail, type InputError } from './input.ts';
import { lockRecipientAndFindUser, underCap } from './mail-caps.ts';
import { normalizeEmail } from './users.ts';
import { sendVerificationEmail } from './verify-email.ts';

export type ResendResult = { ok: true } | { ok: false; errors: InputError[] };

/**
 * Sends a fresh verification link, superseding the earlier ones, only for an existing unverified
 * account under its cap. The caller answers the same way in every case.
 */
export async function resendVerification(
  ctx: Context,
  input: { email: string; ip: string | null; browser?: string | null },
): Promise<ResendResult> {
  const errors = checkEmail(input.email);
  if (errors.length > 0) return { ok: false, errors };
  const emailNormalized = normalizeEmail(input.email);
  const startedAt = performance.now();
  const sent = await ctx.db.transaction().execute(async (trx) => {
    const user = await lockRecipientAndFindUser(ctx, trx, emailNormalized);
    const send =
      user !== undefined &&
      user.email_verified_at === null &&
      (await underCap(ctx, trx, user.email, 'verify'));
    if (send) await sendVerificationEmail(ctx, trx, user, input.browser);
    // Recorded on every path, and the paths that send nothing wait for as long as one that sends
    // (ctx.timing): a known and an unknown address take the same time.
    await recordAudit(trx, ctx.clock, {
      event: 'verification.requested',
      userId: user?.id ?? null,
      ip: input.ip,
      detail: { sent: send },
    });
    return send;
  });
  await ctx.timing.verificationResend.ended(startedAt, sent);
  return { ok: true };
}
