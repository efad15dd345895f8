import type { Context } from '../context.ts';
import { newId } from '../db/ids.ts';
import type { Db, User } from '../db/schema.ts';
import { PURPOSE } from '../purposes.ts';
import { revokeUserSessions } from './sessions.ts';

/**
 * Who owns an address: the account that proved its mailbox. An unverified account merely claims the
 * address, and loses it to the next claimant who comes with a password, a sign-up or an invitee
 * (the pre-hijacking defence: whoever registered first without proving the mailbox loses).
 *
 * Both claimants read the address's account in their transaction first, and deal with a verified
 * one themselves: sign-up mails an "account exists" notice, an invitation asks to log in.
 */

export interface AddressClaim {
  /** As the claimant typed it (trimmed): where mail goes. */
  email: string;
  emailNormalized: string;
  /** null: an account without a password, which signs in by email (sign-in-email.ts). */
  passwordHash: string | null;
  /**
   * The claimant proved the mailbox (an invitation link): the account is verified at once, and an
   * unverified claimant it replaces loses its sessions and its verification, reset and email-change
   * links. A sign-up proves nothing yet: the account stays unverified until its new link is used,
   * and the new password version already voids the replaced claimant's links.
   */
  mailboxProven: boolean;
  /** The claimant's language (a supported locale), or null for DEFAULT_LOCALE; the new owner's. */
  locale?: string | null;
}

export interface ClaimedAddress {
  user: User;
  outcome: 'created' | 'replaced_unverified';
}

/**
 * Creates the account of an address nobody claims, or hands the unverified account that claims it
 * over to the claimant, in the caller's transaction. `existing` is the address's account as the
 * caller read it. Two claims of a new address cannot both insert: the later one trips the unique
 * index on email_normalized (sign-ups do not meet it, since they take the recipient's lock first).
 */
export async function claimAddress(
  ctx: Context,
  trx: Db,
  existing: User | undefined,
  claim: AddressClaim,
): Promise<ClaimedAddress> {
  if (existing !== undefined && existing.email_verified_at !== null)
    throw new Error('a verified account owns the address: it is never claimed');
  const now = ctx.clock.now();

  if (existing === undefined) {
    const user = await trx
      .insertInto('users')
      .values({
        id: newId(now),
        email: claim.email,
        email_normalized: claim.emailNormalized,
        password_hash: claim.passwordHash,
        email_verified_at: claim.mailboxProven ? now : null,
        unsubscribed_at: ctx.config.subscribedByDefault ? null : now,
        locale: claim.locale ?? null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { user, outcome: 'created' };
  }

  // An unverified claim on the address: the claimant takes it over.
  const user = await trx
    .updateTable('users')
    .set((eb) => ({
      password_hash: claim.passwordHash,
      password_version: eb('password_version', '+', 1),
      ...(claim.mailboxProven ? { email_verified_at: now } : {}),
      locale: claim.locale ?? null,
      updated_at: now,
    }))
    .where('id', '=', existing.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (claim.mailboxProven) {
    await revokeUserSessions(ctx, trx, user.id, { reason: 'address_claimed' });
    for (const purpose of [PURPOSE.verifyEmail, PURPOSE.passwordReset, PURPOSE.emailChange]) {
      await ctx.tokens.revoke(trx, purpose, { userId: user.id });
      await ctx.codes.revoke(trx, purpose, { userId: user.id });
    }
  }
  return { user, outcome: 'replaced_unverified' };
}
