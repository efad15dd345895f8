import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import { SIGNED_PURPOSE } from '../purposes.ts';
import { keyRingFor } from '../tokens/keyring.ts';
import { signToken, verifyToken } from '../tokens/signed.ts';
import { recordEvent, transact } from '../webhooks/record.ts';

/**
 * Newsletter subscription: users.unsubscribed_at is null while subscribed. Unsubscribing stops
 * newsletters only; account mail (verification, resets, notices) is not subscription mail and
 * always goes out.
 */

export type SubscriptionChange = 'changed' | 'unchanged';

/**
 * A signed unsubscribe token for one user. It has no expiry: unsubscribing is idempotent and grants
 * nothing else, and a link in an old newsletter must keep working (CAN-SPAM asks for 30 days at the
 * least; a key rotation is how old links are retired).
 */
export function unsubscribeToken(ctx: Context, userId: string): string {
  return signToken(keyRingFor(ctx.config), {
    purpose: SIGNED_PURPOSE.unsubscribe,
    userId,
    issuedAt: ctx.clock.now(),
  });
}

/** The user id an unsubscribe token speaks for, or null for anything that is not a valid one. */
export function unsubscribeTokenUser(ctx: Context, token: unknown): string | null {
  const result = verifyToken(keyRingFor(ctx.config), SIGNED_PURPOSE.unsubscribe, token);
  return result.ok ? result.userId : null;
}

/**
 * Sets a user's subscription. Idempotent: only a real change is written and audited. A user id
 * that no longer exists is 'unchanged' (the link of a deleted account has nothing left to do).
 */
export async function setSubscribed(
  ctx: Context,
  userId: string,
  subscribed: boolean,
  ip: string | null,
): Promise<SubscriptionChange> {
  const change = await transact(ctx, async (trx): Promise<SubscriptionChange> => {
    const now = ctx.clock.now();
    const result = await trx
      .updateTable('users')
      .set({ unsubscribed_at: subscribed ? null : now, updated_at: now })
      .where('id', '=', userId)
      .where('unsubscribed_at', subscribed ? 'is not' : 'is', null)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return 'unchanged';
    await recordAudit(trx, ctx.clock, {
      event: subscribed ? 'newsletter.resubscribed' : 'newsletter.unsubscribed',
      userId,
      ip,
    });
    await recordEvent(ctx, trx, 'subscription.changed', { userId, subscribed });
    return 'changed';
  });
  return change;
}

export async function isSubscribed(ctx: Context, userId: string): Promise<boolean> {
  const row = await ctx.db
    .selectFrom('users')
    .select('unsubscribed_at')
    .where('id', '=', userId)
    .executeTakeFirst();
  return row !== undefined && row.unsubscribed_at === null;
}
