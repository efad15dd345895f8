import { allowsCode } from '../config/config.ts';
import type { Context } from '../context.ts';
import { PURPOSE } from '../purposes.ts';
import { transact } from '../webhooks/record.ts';
import { verifyEmailBinding } from './bindings.ts';
import { answerCodeCheck, auditCooldown, codeOwner } from './code-check.ts';
import { markVerified } from './verify-email.ts';

export type VerifyByCodeResult =
  | { ok: true; status: 'verified' | 'already_verified'; userId: string }
  | { ok: false; reason: 'codes_not_accepted' | 'code_invalid' };

/**
 * Confirms an address with the code from the verification email, checked with that address:
 * the code's consume and the verification are one transaction, as with a link. The code must have
 * been issued for the address and password version the account has now. Every refusal (unknown
 * address, wrong code, spent budget) is the same answer.
 */
export async function verifyEmailByCode(
  ctx: Context,
  input: { email: unknown; code: unknown; ip: string | null },
): Promise<VerifyByCodeResult> {
  if (!allowsCode(ctx.config.methods.verifyEmail)) return { ok: false, reason: 'codes_not_accepted' };
  const startedAt = performance.now();
  const owner = await codeOwner(ctx.db, input.email);
  if (owner === undefined) return answerCodeCheck(ctx, startedAt, false, refused());
  const result = await transact(ctx, async (trx): Promise<VerifyByCodeResult> => {
    const consumed = await ctx.codes.consume(trx, {
      purpose: PURPOSE.verifyEmail,
      userId: owner.id,
      code: input.code,
      binding: verifyEmailBinding(owner),
    });
    if (!consumed.ok) {
      await auditCooldown(
        ctx,
        trx,
        { userId: owner.id, ip: input.ip, purpose: PURPOSE.verifyEmail },
        consumed.reason,
      );
      return refused();
    }
    return markVerified(ctx, trx, owner.id, input.ip);
  });
  return answerCodeCheck(ctx, startedAt, true, result);
}

function refused(): VerifyByCodeResult {
  return { ok: false, reason: 'code_invalid' };
}
