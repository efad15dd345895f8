import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import { ID_PATTERN } from '../db/ids.ts';
import type { Db, User } from '../db/schema.ts';
import { pageLink } from '../links/links.ts';
import { queueMail } from '../mail/queue.ts';
import { PURPOSE } from '../purposes.ts';
import { recordEvent, transact } from '../webhooks/record.ts';
import { revokeUserSessions } from './sessions.ts';
import { statusOf, type UserStatus } from './user-search.ts';
import { findUserById } from './users.ts';

/**
 * What an operator does to an account (the admin API and `oto users`): disable it, enable it again,
 * log it out everywhere. Each is one transaction with its audit entry, whose actor is the operator
 * (an API key's name, or 'cli'), and its notice email to the account where the user should know.
 */

export interface Operator {
  actor: string;
  ip: string | null;
}

export const MAX_REASON_LENGTH = 500;

export type StatusChange =
  | { ok: true; status: UserStatus; changed: boolean; revokedSessions: number; revokedTokens: number }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'invalid_reason'; message: string };

/** The purposes of the links a user holds: a disabled account keeps none of them. */
const USER_LINK_PURPOSES = [PURPOSE.verifyEmail, PURPOSE.passwordReset, PURPOSE.emailChange];

/**
 * Disables an account: it can no longer log in (the right password gets account_disabled), its
 * sessions and live links end now, and no new link is sent to it. Disabling a disabled account
 * changes nothing, not even its reason.
 */
export async function disableUser(
  ctx: Context,
  id: string,
  reason: string,
  by: Operator,
): Promise<StatusChange> {
  const cleaned = reason.trim();
  if (cleaned === '' || cleaned.length > MAX_REASON_LENGTH || /\p{Cc}/u.test(cleaned)) {
    return {
      ok: false,
      reason: 'invalid_reason',
      message: `must be one line of 1 to ${MAX_REASON_LENGTH} characters`,
    };
  }
  return inTransactionWithUser(ctx, id, async (trx, user) => {
    const now = ctx.clock.now();
    // Conditional, so that of two operators disabling at once only one does (and mails the user).
    const updated = await trx
      .updateTable('users')
      .set({ disabled_at: now, disabled_reason: cleaned, updated_at: now })
      .where('id', '=', user.id)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return unchanged(user);
    const revokedSessions = await revokeUserSessions(ctx, trx, user.id, { reason: 'disabled' });
    let revokedTokens = 0;
    for (const purpose of USER_LINK_PURPOSES) {
      revokedTokens += await ctx.tokens.revoke(trx, purpose, { userId: user.id });
      // Its emailed codes too; they are not counted among the tokens the answer reports.
      await ctx.codes.revoke(trx, purpose, { userId: user.id });
    }
    await queueMail(
      ctx,
      trx,
      'account_disabled',
      user.email,
      { siteLink: pageLink(ctx.config, '/') },
      { userId: user.id, locale: user.locale },
    );
    await recordAudit(trx, ctx.clock, {
      event: 'user.disabled',
      userId: user.id,
      ip: by.ip,
      actor: by.actor,
      detail: { reason: cleaned, revokedSessions, revokedTokens },
    });
    await recordEvent(ctx, trx, 'user.disabled', { userId: user.id, actor: by.actor });
    return { ok: true, status: 'disabled', changed: true, revokedSessions, revokedTokens } as const;
  });
}

/** Lets a disabled account log in again; it logs in with its password as before. */
export async function enableUser(ctx: Context, id: string, by: Operator): Promise<StatusChange> {
  return inTransactionWithUser(ctx, id, async (trx, user) => {
    const updated = await trx
      .updateTable('users')
      .set({ disabled_at: null, disabled_reason: null, updated_at: ctx.clock.now() })
      .where('id', '=', user.id)
      .where('disabled_at', 'is not', null)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return unchanged(user);
    await queueMail(
      ctx,
      trx,
      'account_enabled',
      user.email,
      { loginLink: pageLink(ctx.config, '/login') },
      { userId: user.id, locale: user.locale },
    );
    await recordAudit(trx, ctx.clock, {
      event: 'user.enabled',
      userId: user.id,
      ip: by.ip,
      actor: by.actor,
    });
    const status = statusOf({ disabled_at: null, email_verified_at: user.email_verified_at });
    return { ok: true, status, changed: true, revokedSessions: 0, revokedTokens: 0 } as const;
  });
}

export type RevokeResult = { ok: true; revoked: number } | { ok: false; reason: 'unknown' };

/** Logs an account out everywhere, for a lost device or a suspected takeover. */
export async function revokeSessionsOf(ctx: Context, id: string, by: Operator): Promise<RevokeResult> {
  return inTransactionWithUser(ctx, id, async (trx, user) => {
    const revoked = await revokeUserSessions(ctx, trx, user.id, { reason: 'operator' });
    await recordAudit(trx, ctx.clock, {
      event: 'sessions.revoked',
      userId: user.id,
      ip: by.ip,
      actor: by.actor,
      detail: { reason: 'operator', count: revoked },
    });
    return { ok: true, revoked } as const;
  });
}

/** The account an operator names by id, or undefined: an id of any other shape names none. */
export async function findAccount(ctx: Context, id: string): Promise<User | undefined> {
  return ID_PATTERN.test(id) ? findUserById(ctx.db, id) : undefined;
}

function unchanged(user: User) {
  return { ok: true, status: statusOf(user), changed: false, revokedSessions: 0, revokedTokens: 0 } as const;
}

/** Reads the account inside the transaction, so the change is decided on what it changes. */
async function inTransactionWithUser<T>(
  ctx: Context,
  id: string,
  change: (trx: Db, user: User) => Promise<T>,
): Promise<T | { ok: false; reason: 'unknown' }> {
  if (!ID_PATTERN.test(id)) return { ok: false, reason: 'unknown' };
  return transact(ctx, async (trx) => {
    const user = await findUserById(trx, id);
    if (user === undefined) return { ok: false, reason: 'unknown' } as const;
    return change(trx, user);
  });
}
