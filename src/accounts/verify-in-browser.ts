import type { Context } from '../context.ts';
import type { User } from '../db/schema.ts';
import { PURPOSE } from '../purposes.ts';
import { fingerprint, generateToken } from '../tokens/secret.ts';
import type { ConsumeFailure } from '../tokens/tokens.ts';
import { type Cooldown, clearAttempts, proveOwnPassword } from './login-throttle.ts';
import { findUserById } from './users.ts';
import { type VerifyResult, verifyEmail } from './verify-email.ts';

/**
 * Who may finish a verification from oto's landing page with one click (security checklist J.42).
 *
 * Mail scanners open links, and some run the page and press its buttons. If one click on the
 * landing page confirmed the address, a scanner would confirm it for whoever signed up with it: an
 * attacker who registers a victim's address with a password of their own would get a verified
 * account the moment the victim's mail filter clicks (account pre-hijacking).
 *
 * So the single click works only in the browser that asked for the link. Sign-up and the resend
 * form set a cookie holding a random nonce, and the token carries the nonce's fingerprint in its
 * data. In any other browser (another device, a scanner) the page also asks for the account's
 * password, which the attacker's victim does not know and a scanner cannot type; those attempts
 * count against the address's login throttle exactly like logins. An account with no password needs
 * no proof: nobody can log in to it.
 *
 * The JSON API (POST /v1/users/verify) consumes with the token alone. An app with its own landing
 * page decides there (docs/integrating.md).
 */

/** A fresh nonce for the browser's cookie, and the fingerprint the verification token keeps. */
export function newBrowserNonce(): { nonce: string; fingerprint: string } {
  const nonce = generateToken();
  return { nonce, fingerprint: browserFingerprint(nonce) };
}

function browserFingerprint(nonce: string): string {
  return fingerprint(`verify-browser:${nonce}`);
}

type Inactive = { state: 'already_verified' | ConsumeFailure };
export type LandingState = { state: 'active'; needsPassword: boolean } | Inactive;
type Landing = { state: 'active'; user: User; needsPassword: boolean } | Inactive;

/** What the landing page should show for this link in this browser; consumes nothing (a GET). */
export async function inspectLanding(
  ctx: Context,
  token: unknown,
  nonce: string | undefined,
): Promise<LandingState> {
  const landing = await landingFor(ctx, token, nonce);
  return landing.state === 'active' ? { state: 'active', needsPassword: landing.needsPassword } : landing;
}

async function landingFor(ctx: Context, token: unknown, nonce: string | undefined): Promise<Landing> {
  const inspection = await ctx.tokens.inspect(ctx.db, PURPOSE.verifyEmail, token);
  if (inspection.state === 'unknown' || inspection.token.userId === null) return { state: 'unknown' };
  const user = await findUserById(ctx.db, inspection.token.userId);
  if (user === undefined) return { state: 'unknown' };
  if (inspection.state === 'active') {
    const asked = inspection.token.data?.['browser'];
    const sameBrowser =
      typeof asked === 'string' && nonce !== undefined && asked === browserFingerprint(nonce);
    return { state: 'active', user, needsPassword: user.password_hash !== null && !sameBrowser };
  }
  if (inspection.state === 'used' && user.email_verified_at !== null) return { state: 'already_verified' };
  return { state: inspection.state };
}

export type LandingResult =
  | VerifyResult
  | { ok: false; reason: 'password_required' | 'wrong_password' }
  | ({ ok: false; reason: 'cooling_down' } & Cooldown);

/**
 * The landing page's POST. In the browser that asked for the link, the token alone confirms; in any
 * other, the account's password must come with it. A link that is not live goes straight to
 * verifyEmail, which reports why (or "already verified") the same way the API does.
 */
export async function verifyFromLanding(
  ctx: Context,
  input: { token: unknown; nonce: string | undefined; password: string; ip: string | null },
): Promise<LandingResult> {
  const landing = await landingFor(ctx, input.token, input.nonce);
  if (landing.state === 'active' && landing.needsPassword) {
    if (input.password === '') return { ok: false, reason: 'password_required' };
    const proof = await proveOwnPassword(ctx, { ...input, user: landing.user, during: 'email_verification' });
    if (!proof.ok) return proof;
    await clearAttempts(ctx.db, proof.admission);
  }
  // The consume checks the token's binding to the address and password as they are now, so an account
  // changed since the checks above is still refused.
  return verifyEmail(ctx, input.token, input.ip);
}
