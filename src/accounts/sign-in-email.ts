import { recordAudit } from '../audit.ts';
import { allowsCode, sendsLink } from '../config/config.ts';
import type { Context } from '../context.ts';
import type { Db, User } from '../db/schema.ts';
import { buildLink } from '../links/links.ts';
import { queueMail } from '../mail/queue.ts';
import { PURPOSE } from '../purposes.ts';
import { fingerprint, generateToken } from '../tokens/secret.ts';
import { newAccountBinding, signInBinding } from './bindings.ts';
import { checkEmail, type InputError } from './input.ts';
import { lockRecipientAndFindUser, underCap } from './mail-caps.ts';
import { cleanEmail, normalizeEmail } from './users.ts';

/**
 * Passwordless sign-in by email (SIGN_IN_EMAIL), the request: "email me a sign-in link".
 *
 * - An account that is not disabled, under its cap: a link and/or a code (SIGN_IN_EMAIL_METHOD).
 * - An address without an account, with SIGN_UP_PASSWORDLESS: the offer to create one, whose link
 *   or code creates a verified account without a password (sign-in-confirm.ts).
 * - Anything else: nothing but the audit entry.
 * The caller answers the same in every case, and the paths that send nothing wait as long as one
 * that sends (ctx.timing.signInRequest), so the answer tells nobody who has an account.
 *
 * The link is bound to the browser that asked (login CSRF: an attacker must not be able to sign a
 * victim's browser into the attacker's account with a link of their own, nor a scanner sign anyone
 * in by opening it): the request comes with the fingerprint of a nonce kept in that browser's
 * cookie, and the token keeps it (data.browser). docs/security.md says more.
 */

export type SignInRequestResult =
  | { ok: true }
  | { ok: false; reason: 'invalid_input'; errors: InputError[] }
  | { ok: false; reason: 'not_enabled' };

export interface SignInRequest {
  email: string;
  ip: string | null;
  /** The asking browser's nonce fingerprint (browserFingerprint), or null (an app's own backend). */
  browser: string | null;
}

export async function requestSignInEmail(ctx: Context, input: SignInRequest): Promise<SignInRequestResult> {
  if (!ctx.config.signIn.email) return { ok: false, reason: 'not_enabled' };
  const errors = checkEmail(input.email);
  if (errors.length > 0) return { ok: false, reason: 'invalid_input', errors };
  const startedAt = performance.now();
  const sent = await ctx.db.transaction().execute(async (trx) => {
    const user = await lockRecipientAndFindUser(ctx, trx, normalizeEmail(input.email));
    const outcome = await sendFor(ctx, trx, user, input);
    await recordAudit(trx, ctx.clock, {
      event: 'sign_in.requested',
      userId: user?.id ?? null,
      ip: input.ip,
      detail: { sent: outcome !== 'nothing', ...(outcome === 'new_account' ? { newAccount: true } : {}) },
    });
    return outcome !== 'nothing';
  });
  await ctx.timing.signInRequest.ended(startedAt, sent);
  return { ok: true };
}

async function sendFor(
  ctx: Context,
  trx: Db,
  user: User | undefined,
  input: SignInRequest,
): Promise<'sign_in' | 'new_account' | 'nothing'> {
  const recipient = user?.email ?? cleanEmail(input.email);
  if (user === undefined && !ctx.config.signIn.signUp) return 'nothing';
  if (user?.disabled_at != null || !(await underCap(ctx, trx, recipient, 'signIn'))) return 'nothing';
  const owner =
    user === undefined ? { subject: newAccountSubject(normalizeEmail(input.email)) } : { userId: user.id };
  const binding = user === undefined ? newAccountBinding(normalizeEmail(input.email)) : signInBinding(user);
  const method = ctx.config.methods.signInEmail;
  // Earlier links and codes stay valid until they expire (a second request must not strand the
  // first email); the sign-in that spends one revokes the rest.
  const issued = sendsLink(method)
    ? await ctx.tokens.issue(trx, {
        purpose: PURPOSE.signIn,
        ...owner,
        binding,
        data: { browser: input.browser, ...(user === undefined ? { email: recipient } : {}) },
        supersede: false,
      })
    : undefined;
  const code = allowsCode(method)
    ? await ctx.codes.issue(trx, {
        purpose: PURPOSE.signIn,
        ...owner,
        binding,
        data: user === undefined ? { email: recipient } : null,
        supersede: false,
      })
    : undefined;
  // A code-only email whose codes are cooling down still goes, without a code, as a reset's does.
  if (issued === undefined && !code?.ok) return 'nothing';
  await queueMail(
    ctx,
    trx,
    user === undefined ? 'sign_in_new_account' : 'sign_in',
    recipient,
    {
      ...(issued === undefined ? {} : { link: buildLink(ctx.config, 'signIn', issued.token) }),
      validFor: ctx.config.tokenTtl.sign_in,
      ...(code?.ok ? { code: code.code, codeValidFor: ctx.config.codes.ttlSeconds } : {}),
    },
    { userId: user?.id ?? null, locale: user?.locale ?? null },
  );
  return user === undefined ? 'new_account' : 'sign_in';
}

/** Whose tokens and codes an offer's are, with no account yet: the address, as a fingerprint only. */
export function newAccountSubject(emailNormalized: string): string {
  return `sign_in_new:${fingerprint(emailNormalized)}`;
}

/** A fresh nonce for the asking browser's cookie, and the fingerprint the token keeps. */
export function newSignInNonce(): { nonce: string; fingerprint: string } {
  const nonce = generateToken();
  return { nonce, fingerprint: browserFingerprint(nonce) };
}

export function browserFingerprint(nonce: string): string {
  return fingerprint(`sign-in-browser:${nonce}`);
}
