import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import type { Db, User } from '../db/schema.ts';
import { findUserByNormalizedEmail, normalizeEmail } from './users.ts';

/**
 * What the flows that take {email, code} share: the account the code is checked against, and the
 * rule that an unknown address, a disabled account, a wrong code and a spent budget all get the
 * same answer in the same time (ctx.timing.codeCheck), so a code form tells nobody which
 * addresses have accounts.
 */

/** Why a code was refused, for the flow's own audit; the caller answers every one the same. */
export type CodeRefusal = 'wrong' | 'cooling_down';

/** The account a code for this address would belong to, or undefined. */
export async function codeOwner(db: Db, email: unknown): Promise<User | undefined> {
  if (typeof email !== 'string' || email.length > 1024) return undefined;
  const user = await findUserByNormalizedEmail(db, normalizeEmail(email));
  return user === undefined || user.disabled_at !== null ? undefined : user;
}

/**
 * Runs a code check that began at `startedAt`: `fullPath` tells whether a code was really looked
 * at (an account exists); the other path waits as long as a recent full one took.
 */
export async function answerCodeCheck<T>(
  ctx: Context,
  startedAt: number,
  fullPath: boolean,
  result: T,
): Promise<T> {
  await ctx.timing.codeCheck.ended(startedAt, fullPath);
  return result;
}

/**
 * The budget of an account's codes ran out: worth an audit entry (someone guessed its codes), in
 * the transaction of the guess that spent it.
 */
export async function auditCooldown(
  ctx: Context,
  trx: Db,
  entry: { userId: string; ip: string | null; purpose: string },
  reason: CodeRefusal,
): Promise<void> {
  if (reason !== 'cooling_down') return;
  await recordAudit(trx, ctx.clock, {
    event: 'code.cooldown',
    userId: entry.userId,
    ip: entry.ip,
    detail: { purpose: entry.purpose },
  });
}
