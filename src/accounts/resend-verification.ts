import type { Context } from '../context.ts';
import { checkEmail, type InputError } from './input.ts';
import { lockRecipient, underCap } from './mail-caps.ts';
import { normalizeEmail } from './users.ts';
import { sendVerificationEmail } from './verify-email.ts';

export type ResendResult = { ok: true } | { ok: false; errors: InputError[] };

/**
 * Sends a fresh verification link, superseding the earlier ones, only for an existing unverified
 * account under its cap. The caller answers the same way in every case.
 */
export async function resendVerification(
  ctx: Context,
  input: { email: string; ip: string | null },
): Promise<ResendResult> {
  const errors = checkEmail(input.email);
  if (errors.length > 0) return { ok: false, errors };
  const emailNormalized = normalizeEmail(input.email);
  await ctx.db.transaction().execute(async (trx) => {
    await lockRecipient(ctx, trx, emailNormalized);
    const user = await trx
      .selectFrom('users')
      .selectAll()
      .where('email_normalized', '=', emailNormalized)
      .executeTakeFirst();
    if (user === undefined || user.email_verified_at !== null) return;
    if (!(await underCap(ctx, trx, user.email, 'verify'))) return;
    await sendVerificationEmail(ctx, trx, user);
  });
  return { ok: true };
}
