import { allowsCode } from '../config/config.ts';
import type { Context } from '../context.ts';
import { PURPOSE } from '../purposes.ts';
import { transact } from '../webhooks/record.ts';
import { passwordResetBinding } from './bindings.ts';
import { answerCodeCheck, auditCooldown, codeOwner } from './code-check.ts';
import type { InputError } from './input.ts';
import { completeReset, invalidPassword } from './password-reset.ts';
import { hashPassword, passwordProblems } from './passwords.ts';
import { findUserById } from './users.ts';

export type ResetByCodeResult =
  | { ok: true; userId: string }
  | { ok: false; reason: 'invalid_password'; errors: InputError[] }
  | { ok: false; reason: 'codes_not_accepted' | 'code_invalid' };

/**
 * Sets a new password with the code from the reset email, checked with that address.
 * 1. The password is judged first, against the address given (so the answer is the same whether
 *    or not it has an account); a refused password does not spend the code or an attempt.
 * 2. Then, in one transaction: consume the code (bound to the password version) and everything a
 *    reset by link does (completeReset).
 * Every refusal of the code is one answer, in one time.
 */
export async function resetPasswordByCode(
  ctx: Context,
  input: { email: unknown; code: unknown; password: string; ip: string | null },
): Promise<ResetByCodeResult> {
  if (!allowsCode(ctx.config.methods.resetPassword)) return { ok: false, reason: 'codes_not_accepted' };
  const email = typeof input.email === 'string' ? input.email : '';
  const problems = passwordProblems(ctx.config, input.password, { email });
  if (problems.length > 0) return narrow(invalidPassword(problems));
  // Hashed on every path before the account is known: the slow step costs every address the same.
  const passwordHash = await hashPassword(input.password);
  const startedAt = performance.now();
  const owner = await codeOwner(ctx.db, input.email);
  if (owner === undefined) return answerCodeCheck(ctx, startedAt, false, refused());
  const result = await transact(ctx, async (trx): Promise<ResetByCodeResult> => {
    const user = await findUserById(trx, owner.id);
    if (user === undefined) return refused();
    const consumed = await ctx.codes.consume(trx, {
      purpose: PURPOSE.passwordReset,
      userId: user.id,
      code: input.code,
      binding: passwordResetBinding(user),
    });
    if (!consumed.ok) {
      await auditCooldown(
        ctx,
        trx,
        { userId: user.id, ip: input.ip, purpose: PURPOSE.passwordReset },
        consumed.reason,
      );
      return refused();
    }
    await completeReset(ctx, trx, user, passwordHash, input.ip);
    return { ok: true, userId: user.id };
  });
  return answerCodeCheck(ctx, startedAt, true, result);
}

function refused(): ResetByCodeResult {
  return { ok: false, reason: 'code_invalid' };
}

function narrow(result: ReturnType<typeof invalidPassword>): ResetByCodeResult {
  if (result.ok || result.reason !== 'invalid_password') throw new TypeError('not a password refusal');
  return result;
}
