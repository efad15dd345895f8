import { recordAudit } from '../audit.ts';
import type { Millis } from '../clock.ts';
import { allowsCode } from '../config/config.ts';
import type { Context } from '../context.ts';
import type { Db, User } from '../db/schema.ts';
import { PURPOSE } from '../purposes.ts';
import type { ConsumeFailure, TokenInfo } from '../tokens/tokens.ts';
import { recordEvent, transact } from '../webhooks/record.ts';
import { claimAddress } from './address-claim.ts';
import { newAccountBinding, signInBinding } from './bindings.ts';
import { answerCodeCheck, auditCooldown, codeOwner } from './code-check.ts';
import { checkEmail } from './input.ts';
import { lockRecipientAndFindUser } from './mail-caps.ts';
import { type CreatedSession, createSession, type SessionOrigin } from './sessions.ts';
import { browserFingerprint, newAccountSubject } from './sign-in-email.ts';
import { cleanEmail, findUserById, normalizeEmail } from './users.ts';

/**
 * Passwordless sign-in by email, the confirmation: the link's token or the code, spent in the one
 * transaction that opens the session (and, for an offer sent to an address without an account,
 * creates it, verified and without a password).
 *
 * The link signs in by itself only in the browser that asked for it (the nonce cookie,
 * sign-in-email.ts). Anywhere else the caller must say that the person confirmed ("Yes, sign me in
 * here"): otherwise `confirmation_required`, and nothing is spent. A first sign-in proves the
 * mailbox: an unverified account is claimed as an invitation claims it (address-claim.ts): it is
 * verified, and a password someone set without proving the mailbox is dropped with its sessions
 * and links (the pre-hijacking defence).
 */

export type SignedIn = { ok: true; user: User; created: CreatedSession; newAccount: boolean };

export type SignInLinkResult =
  | SignedIn
  | { ok: false; reason: 'not_enabled' | 'account_disabled' | ConsumeFailure }
  | { ok: false; reason: 'confirmation_required'; requestedAt: Millis };

export type SignInCodeResult =
  | SignedIn
  | { ok: false; reason: 'not_enabled' | 'codes_not_accepted' | 'code_invalid' };

export type SignInLinkState =
  | { state: 'active'; sameBrowser: boolean; requestedAt: Millis }
  | { state: 'not_enabled' | ConsumeFailure };

export interface LinkConfirmation extends SessionOrigin {
  token: unknown;
  /** The nonce from the browser's cookie, if it sent one. */
  nonce: string | undefined;
  /** The person said "yes, sign me in here" in a browser other than the one that asked. */
  confirm: boolean;
}

/** What the link's page should offer in this browser; spends nothing (a GET). */
export async function inspectSignInLink(
  ctx: Context,
  token: unknown,
  nonce: string | undefined,
): Promise<SignInLinkState> {
  const link = await liveLink(ctx, token);
  if (!link.ok) return { state: link.reason };
  return { state: 'active', sameBrowser: askedHere(link.token, nonce), requestedAt: link.token.createdAt };
}

export async function signInWithLink(ctx: Context, input: LinkConfirmation): Promise<SignInLinkResult> {
  const link = await liveLink(ctx, input.token);
  if (!link.ok) return link;
  const info = link.token;
  if (!askedHere(info, input.nonce) && !input.confirm)
    return { ok: false, reason: 'confirmation_required', requestedAt: info.createdAt };
  return transact(ctx, async (trx): Promise<SignInLinkResult> => {
    const owner =
      info.userId !== null ? await accountOwner(trx, info.userId) : await offerOwner(ctx, trx, info);
    if (owner === 'unknown' || owner === 'account_disabled') return { ok: false, reason: owner };
    const consumed = await ctx.tokens.consume(trx, {
      purpose: PURPOSE.signIn,
      token: input.token,
      binding: owner.binding,
    });
    if (!consumed.ok) return { ok: false, reason: consumed.reason };
    return completeSignIn(ctx, trx, owner, input, 'link');
  });
}

async function liveLink(
  ctx: Context,
  token: unknown,
): Promise<{ ok: true; token: TokenInfo } | { ok: false; reason: 'not_enabled' | ConsumeFailure }> {
  if (!ctx.config.signIn.email) return { ok: false, reason: 'not_enabled' };
  const inspection = await ctx.tokens.inspect(ctx.db, PURPOSE.signIn, token);
  return inspection.state === 'active'
    ? { ok: true, token: inspection.token }
    : { ok: false, reason: inspection.state };
}

/**
 * {email, code}: the code from the email, checked with its address under the codes' budget. An
 * unknown address, a disabled account, a wrong code and a spent budget are one answer in one time.
 */
export async function signInWithCode(
  ctx: Context,
  input: { email: unknown; code: unknown } & SessionOrigin,
): Promise<SignInCodeResult> {
  if (!ctx.config.signIn.email) return { ok: false, reason: 'not_enabled' };
  if (!allowsCode(ctx.config.methods.signInEmail)) return { ok: false, reason: 'codes_not_accepted' };
  const startedAt = performance.now();
  const account = await codeOwner(ctx.db, input.email);
  const email = typeof input.email === 'string' && checkEmail(input.email).length === 0 ? input.email : null;
  if (account === undefined && (email === null || !ctx.config.signIn.signUp))
    return answerCodeCheck(ctx, startedAt, false, refused());
  const result = await transact(ctx, async (trx): Promise<SignInCodeResult> => {
    // The account as read above: the consume's binding refuses a code if its password changed since.
    const owner =
      account === undefined
        ? await newAccountOwner(ctx, trx, cleanEmail(email ?? ''))
        : { user: account, binding: signInBinding(account) };
    if (owner === 'account_disabled') return refused();
    const consumed = await ctx.codes.consume(trx, {
      purpose: PURPOSE.signIn,
      ...(owner.user === undefined ? { subject: owner.subject } : { userId: owner.user.id }),
      code: input.code,
      binding: owner.binding,
    });
    if (!consumed.ok) {
      if (owner.user !== undefined)
        await auditCooldown(
          ctx,
          trx,
          { userId: owner.user.id, ip: input.ip ?? null, purpose: PURPOSE.signIn },
          consumed.reason,
        );
      return refused();
    }
    return completeSignIn(ctx, trx, owner, input, 'code');
  });
  // An address without an account took the offer's path: it waits like any other short path.
  return answerCodeCheck(ctx, startedAt, account !== undefined, result);
}

/** The account a sign-in is for, or the address an offer will create one for. */
type Owner = { user?: User | undefined; email?: string; subject?: string; binding: string };

async function accountOwner(trx: Db, userId: string): Promise<Owner | 'unknown' | 'account_disabled'> {
  const user = await findUserById(trx, userId);
  if (user === undefined) return 'unknown';
  if (user.disabled_at !== null) return 'account_disabled';
  return { user, binding: signInBinding(user) };
}

/** The address an offer's token was sent to, from its data. */
async function offerOwner(
  ctx: Context,
  trx: Db,
  info: TokenInfo,
): Promise<Owner | 'unknown' | 'account_disabled'> {
  const email = info.data?.['email'];
  return typeof email === 'string' ? newAccountOwner(ctx, trx, email) : 'unknown';
}

/**
 * An offer's address, locked: the account someone created for it meanwhile, if any (then the
 * mailbox's owner signs in to it), else what creating one needs.
 */
async function newAccountOwner(ctx: Context, trx: Db, email: string): Promise<Owner | 'account_disabled'> {
  const emailNormalized = normalizeEmail(email);
  const user = await lockRecipientAndFindUser(ctx, trx, emailNormalized);
  if (user?.disabled_at != null) return 'account_disabled';
  return {
    user,
    email,
    subject: newAccountSubject(emailNormalized),
    binding: newAccountBinding(emailNormalized),
  };
}

/**
 * After the consume, in its transaction: create or claim the account as needed, spend the other
 * live sign-in links and codes, and open the session.
 */
async function completeSignIn(
  ctx: Context,
  trx: Db,
  owner: Owner,
  origin: SessionOrigin,
  via: 'link' | 'code',
): Promise<SignedIn> {
  const ip = origin.ip ?? null;
  const newAccount = owner.user === undefined;
  let user = owner.user;
  if (user === undefined || user.email_verified_at === null) {
    const email = user?.email ?? owner.email ?? '';
    const claimed = await claimAddress(ctx, trx, user, {
      email,
      emailNormalized: normalizeEmail(email),
      passwordHash: null,
      mailboxProven: true,
    });
    user = claimed.user;
    if (claimed.outcome === 'created') {
      await recordAudit(trx, ctx.clock, {
        event: 'user.signed_up',
        userId: user.id,
        ip,
        detail: { via: 'sign_in' },
      });
      await recordEvent(ctx, trx, 'user.created', { userId: user.id, email: user.email, via: 'sign_in' });
    }
    await recordAudit(trx, ctx.clock, { event: 'user.email_verified', userId: user.id, ip });
    await recordEvent(ctx, trx, 'user.email_verified', { userId: user.id });
  }
  await ctx.tokens.revoke(trx, PURPOSE.signIn, { userId: user.id });
  await ctx.codes.revoke(trx, PURPOSE.signIn, { userId: user.id });
  if (owner.subject !== undefined) {
    await ctx.tokens.revoke(trx, PURPOSE.signIn, { subject: owner.subject });
    await ctx.codes.revoke(trx, PURPOSE.signIn, { subject: owner.subject });
  }
  const created = await createSession(ctx, trx, user.id, origin);
  await recordAudit(trx, ctx.clock, {
    event: 'sign_in.succeeded',
    userId: user.id,
    ip,
    detail: { via, newAccount },
  });
  return { ok: true, user, created, newAccount };
}

function askedHere(token: TokenInfo, nonce: string | undefined): boolean {
  const asked = token.data?.['browser'];
  return typeof asked === 'string' && nonce !== undefined && asked === browserFingerprint(nonce);
}

function refused(): SignInCodeResult {
  return { ok: false, reason: 'code_invalid' };
}
