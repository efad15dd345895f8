import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import type { Db } from '../db/connect.ts';
import { prepared } from '../db/prepared.ts';
import type { User } from '../db/schema.ts';
import { buildLink } from '../links/links.ts';
import { queueMail } from '../mail/queue.ts';
import type { ConsumeFailure } from '../tokens/tokens.ts';
import { verifyEmailBinding } from './bindings.ts';
import { humanDuration } from './input.ts';
import { revokeUserSessions } from './sessions.ts';
import { findTokenOwner, findUserById } from './users.ts';

export const VERIFY_PURPOSE = 'verify_email';

/**
 * Issues a verification token (superseding the user's earlier ones) and queues the email that
 * carries it, in the caller's transaction. The caller has checked the per-recipient cap.
 */
export async function sendVerificationEmail(ctx: Context, trx: Db, user: User): Promise<void> {
  const issued = await ctx.tokens.issue(trx, {
    purpose: VERIFY_PURPOSE,
    userId: user.id,
    binding: verifyEmailBinding(user),
  });
  await queueMail(
    ctx,
    trx,
    'verify_email',
    user.email,
    {
      link: buildLink(ctx.config, 'verifyEmail', issued.token),
      validFor: humanDuration(ctx.config.tokenTtl.verify_email),
    },
    { userId: user.id },
  );
}

export type VerificationLinkState = 'active' | 'already_verified' | ConsumeFailure;

/** What the link's landing page should offer, without spending anything (a GET may be a scanner). */
export async function inspectVerificationLink(ctx: Context, token: unknown): Promise<VerificationLinkState> {
  const inspection = await ctx.tokens.inspect(ctx.db, VERIFY_PURPOSE, token);
  if (inspection.state === 'unknown' || inspection.token.userId === null) return 'unknown';
  if (inspection.state === 'active') return 'active';
  const user = await findUserById(ctx.db, inspection.token.userId);
  if (user === undefined) return 'unknown';
  if (inspection.state === 'used' && user.email_verified_at !== null) return 'already_verified';
  return inspection.state;
}

export type VerifyResult =
  | { ok: true; status: 'verified' | 'already_verified'; userId: string }
  | { ok: false; reason: ConsumeFailure };

/**
 * Confirms an address: spends the token (checking it was issued for this address and password),
 * marks the email verified and ends the user's sessions, all in one transaction.
 * A link already spent on a verified account reports already_verified, so a second click is not
 * an error to the user.
 */
export async function verifyEmail(ctx: Context, token: unknown, ip: string | null): Promise<VerifyResult> {
  return ctx.db.transaction().execute(async (trx) => {
    const user = await findTokenOwner(trx, VERIFY_PURPOSE, token);
    if (user === undefined) return failed('unknown');
    const consumed = await ctx.tokens.consume(trx, {
      purpose: VERIFY_PURPOSE,
      token,
      binding: verifyEmailBinding(user),
    });
    if (!consumed.ok) {
      if (consumed.reason === 'used' && (await isVerified(trx, user.id))) {
        return { ok: true, status: 'already_verified', userId: user.id };
      }
      return failed(consumed.reason);
    }
    if (user.email_verified_at !== null) return { ok: true, status: 'already_verified', userId: user.id };
    await markVerified.execute(trx, { id: user.id, now: ctx.clock.now() });
    const revoked = await revokeUserSessions(trx, user.id);
    await recordAudit(trx, ctx.clock, { event: 'user.email_verified', userId: user.id, ip });
    if (revoked > 0) {
      await recordAudit(trx, ctx.clock, {
        event: 'sessions.revoked',
        userId: user.id,
        ip,
        detail: { reason: 'email_verified', count: revoked },
      });
    }
    return { ok: true, status: 'verified', userId: user.id };
  });
}

const markVerified = prepared((db, p: { id: string; now: number }) =>
  db.updateTable('users').set({ email_verified_at: p.now, updated_at: p.now }).where('id', '=', p.id),
);

function failed(reason: ConsumeFailure): VerifyResult {
  return { ok: false, reason };
}

async function isVerified(db: Db, userId: string): Promise<boolean> {
  const user = await findUserById(db, userId);
  return user?.email_verified_at != null;
}
