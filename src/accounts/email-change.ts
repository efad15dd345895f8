import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import { dialectOf } from '../db/dialect.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { Db, User } from '../db/schema.ts';
import { buildLink, pageLink } from '../links/links.ts';
import { queueMail } from '../mail/queue.ts';
import { PURPOSE } from '../purposes.ts';
import type { ConsumeFailure } from '../tokens/tokens.ts';
import { recordEvent, transact } from '../webhooks/record.ts';
import { spendActionCode } from './action-codes.ts';
import { checkEmail, type InputError } from './input.ts';
import { type Cooldown, clearAttempts, proveOwnPassword } from './login-throttle.ts';
import { CAP_WINDOW_MS, lockRecipient, rowsSince } from './mail-caps.ts';
import { MAX_PASSWORD_BYTES } from './passwords.ts';
import { revokeUserSessions } from './sessions.ts';
import { cleanEmail, findUserById, normalizeEmail } from './users.ts';

/**
 * Change of email, in two steps:
 * 1. A logged-in user asks, with the current password. An `email_change` token is issued for the new
 *    address and its link mailed there; the old address gets a notice with no link that could
 *    complete anything. If the new address already has an account, everything looks and takes the
 *    same, but no link is sent.
 * 2. From the link, the same user (logged in) confirms. In one transaction: consume the token, check
 *    the address is still free, switch to it (verified: the link proved the mailbox), and end every
 *    other session.
 *
 * The new address travels inside the token's own row (its data), never in a "pending email" column
 * of the user, and the token is bound to the user, the current address, the password version and the
 * new address. So two change requests in flight cannot cross: each link can only ever switch to the
 * address it was sent to, and once one change completes (the current address moved), every other
 * pending link of the user is void.
 */

export function emailChangeBinding(
  user: Pick<User, 'id' | 'email_normalized' | 'password_version'>,
  newEmailNormalized: string,
): string {
  return `email_change:${user.id}:${user.email_normalized}:pv${user.password_version}:${newEmailNormalized}`;
}

export type RequestChangeResult =
  | { ok: true }
  | { ok: false; reason: 'invalid_input'; errors: InputError[] }
  | { ok: false; reason: 'wrong_password' }
  | { ok: false; reason: 'code_invalid' }
  | ({ ok: false; reason: 'cooling_down' } & Cooldown);

/**
 * Asks to change the address: a link to the new one, a notice to the old one. Needs the current
 * password, or for an account without one the code emailed for this action (action-codes.ts),
 * spent first in the transaction.
 */
export async function requestEmailChange(
  ctx: Context,
  input: { user: User; newEmail: string; password: string; code?: string | undefined; ip: string | null },
): Promise<RequestChangeResult> {
  const passwordless = input.user.password_hash === null;
  const errors = checkEmail(input.newEmail).map((e) => ({ ...e, field: 'newEmail' }));
  const newNormalized = normalizeEmail(input.newEmail);
  if (errors.length === 0 && newNormalized === input.user.email_normalized) {
    errors.push({ field: 'newEmail', message: 'is already the email of your account' });
  }
  if (!passwordless && Buffer.byteLength(input.password, 'utf8') > MAX_PASSWORD_BYTES) {
    errors.push({ field: 'password', message: `must be at most ${MAX_PASSWORD_BYTES} bytes long` });
  }
  if (errors.length > 0) return { ok: false, reason: 'invalid_input', errors };

  // Re-authentication: a stolen session must not become an unlimited password oracle.
  let admission: { key: string } | null = null;
  if (!passwordless) {
    const proof = await proveOwnPassword(ctx, { ...input, during: 'email_change' });
    if (!proof.ok) return proof;
    admission = proof.admission;
  }

  const authorised = await ctx.db.transaction().execute(async (trx) => {
    // Serialises with sign-ups and other changes to the same address (PostgreSQL; SQLite already
    // serialises writers), so "is it free" stays true until this transaction ends.
    await lockRecipient(ctx, trx, newNormalized);
    if (admission !== null) await clearAttempts(trx, admission);
    const user = await lockUser(ctx, trx, input.user.id);
    if (user === undefined) return true;
    const { code, ip } = input;
    if (passwordless && !(await spendActionCode(ctx, trx, { user, action: 'change_email', code, ip })))
      return false;
    const taken = await trx
      .selectFrom('users')
      .select('id')
      .where('email_normalized', '=', newNormalized)
      .executeTakeFirst();
    // Issued on every path, so both take the same work, and so that any new request voids the
    // previous pending link (supersede). A taken address's token is never sent anywhere.
    const issued = await ctx.tokens.issue(trx, {
      purpose: PURPOSE.emailChange,
      userId: user.id,
      binding: emailChangeBinding(user, newNormalized),
      data: { newEmail: cleanEmail(input.newEmail) },
    });
    const send = taken === undefined && (await underChangeCap(ctx, trx, newNormalized));
    if (send) {
      // Sent to the normalised address, which is also what the cap counts: case variants of one
      // address cannot multiply its allowance.
      await queueMail(
        ctx,
        trx,
        'email_change',
        newNormalized,
        {
          link: buildLink(ctx.config, 'confirmEmail', issued.token),
          validFor: ctx.config.tokenTtl.email_change,
          newEmail: cleanEmail(input.newEmail),
        },
        { userId: user.id, locale: user.locale },
      );
    }
    await queueMail(
      ctx,
      trx,
      'email_change_notice',
      user.email,
      { newEmail: cleanEmail(input.newEmail), resetLink: pageLink(ctx.config, '/forgot-password') },
      { userId: user.id, locale: user.locale },
    );
    await recordAudit(trx, ctx.clock, {
      event: 'email.change_requested',
      userId: user.id,
      ip: input.ip,
      detail: { outcome: taken !== undefined ? 'address_taken' : send ? 'link_sent' : 'capped' },
    });
    return true;
  });
  return authorised ? { ok: true } : { ok: false, reason: 'code_invalid' };
}

/**
 * Reads the user with its row locked until the transaction ends, so the change requests and
 * confirmations of one user run one after the other: each then sees the address and tokens the
 * previous one left, instead of two confirmations deadlocking over the user row and each other's
 * tokens. SQLite's BEGIN IMMEDIATE already serialises every writer.
 */
async function lockUser(_ctx: Context, trx: Db, userId: string): Promise<User | undefined> {
  if (dialectOf(trx) !== 'postgres') return findUserById(trx, userId);
  return trx.selectFrom('users').selectAll().where('id', '=', userId).forUpdate().executeTakeFirst();
}

/**
 * The links to one new address are capped like verification emails (MAIL_CAP_VERIFY_PER_HOUR): a
 * logged-in user must not be able to make oto mail an arbitrary address without limit.
 */
async function underChangeCap(ctx: Context, trx: Db, newNormalized: string): Promise<boolean> {
  const sent = await recentChangeLinks(trx, newNormalized, ctx.clock.now() - CAP_WINDOW_MS);
  return sent < ctx.config.mail.capVerifyPerHour;
}
const recentChangeLinks = rowsSince('email_outbox', 'recipient', ['email_change']);

/** What a confirmation link's landing page offers, without consuming anything. */
export type ChangeLinkState =
  | { ok: true; newEmail: string; userId: string }
  | { ok: false; reason: ConsumeFailure };

export async function inspectEmailChangeLink(ctx: Context, token: unknown): Promise<ChangeLinkState> {
  const inspection = await ctx.tokens.inspect(ctx.db, PURPOSE.emailChange, token);
  if (inspection.state === 'unknown') return { ok: false, reason: 'unknown' };
  if (inspection.state !== 'active') return { ok: false, reason: inspection.state };
  const newEmail = inspection.token.data?.['newEmail'];
  if (typeof newEmail !== 'string' || inspection.token.userId === null)
    return { ok: false, reason: 'unknown' };
  return { ok: true, newEmail, userId: inspection.token.userId };
}

export type ConfirmChangeResult =
  | { ok: true; newEmail: string; sessionsRevoked: number }
  | { ok: false; reason: ConsumeFailure }
  | { ok: false; reason: 'wrong_account' }
  | { ok: false; reason: 'email_taken' };

class Refusal extends Error {
  readonly result: ConfirmChangeResult;
  constructor(result: ConfirmChangeResult) {
    super('refused');
    this.result = result;
  }
}

/**
 * Completes a change from its link, for the logged-in user it belongs to. A link of another
 * account is refused and stays usable. The address must still be free (409 otherwise).
 */
export async function confirmEmailChange(
  ctx: Context,
  input: { token: unknown; userId: string; sessionId: string; ip: string | null },
): Promise<ConfirmChangeResult> {
  const link = await inspectEmailChangeLink(ctx, input.token);
  if (!link.ok) return link;
  if (link.userId !== input.userId) return { ok: false, reason: 'wrong_account' };
  const newNormalized = normalizeEmail(link.newEmail);
  try {
    const result = await transact(ctx, async (trx) => {
      await lockRecipient(ctx, trx, newNormalized);
      const user = await lockUser(ctx, trx, input.userId);
      if (user === undefined) throw new Refusal({ ok: false, reason: 'unknown' });
      const consumed = await ctx.tokens.consume(trx, {
        purpose: PURPOSE.emailChange,
        token: input.token,
        binding: emailChangeBinding(user, newNormalized),
      });
      if (!consumed.ok) throw new Refusal({ ok: false, reason: consumed.reason });
      const taken = await trx
        .selectFrom('users')
        .select('id')
        .where('email_normalized', '=', newNormalized)
        .executeTakeFirst();
      if (taken !== undefined) throw new Refusal({ ok: false, reason: 'email_taken' });
      const now = ctx.clock.now();
      await trx
        .updateTable('users')
        .set({
          email: link.newEmail,
          email_normalized: newNormalized,
          email_verified_at: now,
          updated_at: now,
        })
        .where('id', '=', user.id)
        .execute();
      const revoked = await revokeUserSessions(ctx, trx, user.id, {
        except: input.sessionId,
        reason: 'email_change',
      });
      // Links mailed to the old address (resets, verifications) and any other pending change die
      // with it: the old mailbox no longer speaks for the account.
      for (const purpose of [PURPOSE.emailChange, PURPOSE.passwordReset, PURPOSE.verifyEmail]) {
        await ctx.tokens.revoke(trx, purpose, { userId: user.id });
        await ctx.codes.revoke(trx, purpose, { userId: user.id });
      }
      await recordAudit(trx, ctx.clock, { event: 'email.changed', userId: user.id, ip: input.ip });
      await recordAudit(trx, ctx.clock, {
        event: 'sessions.revoked',
        userId: user.id,
        ip: input.ip,
        detail: { reason: 'email_change', count: revoked },
      });
      await recordEvent(ctx, trx, 'user.email_changed', {
        userId: user.id,
        previousEmail: user.email,
        email: link.newEmail,
      });
      return {
        ok: true,
        previousEmail: user.email,
        newEmail: link.newEmail,
        sessionsRevoked: revoked,
      } as const;
    });
    return { ok: true, newEmail: result.newEmail, sessionsRevoked: result.sessionsRevoked };
  } catch (error) {
    if (error instanceof Refusal) return error.result;
    // An account took the address between our check and the update (SQLite has no advisory lock
    // to serialise a sign-up that does not go through lockRecipient).
    if (isUniqueViolation(error)) return { ok: false, reason: 'email_taken' };
    throw error;
  }
}
