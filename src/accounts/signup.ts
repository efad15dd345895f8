import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import type { Locale } from '../i18n/locales.ts';
import { pageLink } from '../links/links.ts';
import { queueMail } from '../mail/queue.ts';
import { recordEvent, transact } from '../webhooks/record.ts';
import { claimAddress } from './address-claim.ts';
import { checkNewCredentials, type InputError } from './input.ts';
import { lockRecipientAndFindUser, underCap } from './mail-caps.ts';
import { hashPassword } from './passwords.ts';
import { cleanEmail, normalizeEmail } from './users.ts';
import { sendVerificationEmail } from './verify-email.ts';

export interface SignUpInput {
  email: string;
  password: string;
  ip: string | null;
  /** The signing-up browser's nonce fingerprint, from oto's page (verify-in-browser.ts). */
  browser?: string | null;
  /** The language chosen, or the browser's (the caller negotiates it); null: DEFAULT_LOCALE. */
  locale?: Locale | null;
}

export type SignUpResult = { ok: true } | { ok: false; errors: InputError[] };

/**
 * Sign-up. Valid input always ends the same way for the caller, whatever the address's state, so
 * the response tells nothing about who has an account:
 * - new address: an unverified user and a verification email;
 * - verified account: an "account already exists" email, and nothing else changes;
 * - disabled account: nothing but the audit entry;
 * - unverified account: the new password replaces the old one and a fresh link supersedes the old
 *   ones (the pre-hijacking defence of address-claim.ts: whoever registered first without proving
 *   the mailbox loses).
 * The password is hashed on every path, before the transaction, so that no database lock is held
 * while Argon2 runs. The paths that register nobody then wait as long as one that does (ctx.timing):
 * with the hash alone, an existing account still answered 1-4% sooner, which 200 requests a side
 * tell apart (test/enumeration-timing.test.ts).
 */
export async function signUp(ctx: Context, input: SignUpInput): Promise<SignUpResult> {
  const errors = checkNewCredentials(ctx.config, input.email, input.password);
  if (errors.length > 0) return { ok: false, errors };
  const passwordHash = await hashPassword(input.password);
  const startedAt = performance.now();
  const email = cleanEmail(input.email);
  const emailNormalized = normalizeEmail(input.email);

  // true when the account was created or registered anew: the paths that write the most.
  const registered = await transact(ctx, async (trx) => {
    const existing = await lockRecipientAndFindUser(ctx, trx, emailNormalized);

    if (existing !== undefined && !(await underCap(ctx, trx, existing.email, 'verify'))) {
      await recordAudit(trx, ctx.clock, {
        event: 'user.signed_up',
        userId: existing.id,
        ip: input.ip,
        detail: { outcome: 'mail_cap_reached' },
      });
      return false;
    }

    // A disabled account is neither taken over nor mailed: the sign-up changes nothing.
    if (existing !== undefined && existing.disabled_at !== null) {
      await recordAudit(trx, ctx.clock, {
        event: 'user.signed_up',
        userId: existing.id,
        ip: input.ip,
        detail: { outcome: 'account_disabled' },
      });
      return false;
    }

    if (existing !== undefined && existing.email_verified_at !== null) {
      await queueMail(
        ctx,
        trx,
        'account_exists',
        existing.email,
        { loginLink: pageLink(ctx.config, '/login'), resetLink: pageLink(ctx.config, '/forgot-password') },
        { userId: existing.id, locale: existing.locale },
      );
      await recordAudit(trx, ctx.clock, {
        event: 'user.signed_up',
        userId: existing.id,
        ip: input.ip,
        detail: { outcome: 'already_exists' },
      });
      return false;
    }

    const { user, outcome } = await claimAddress(ctx, trx, existing, {
      email,
      emailNormalized,
      passwordHash,
      mailboxProven: false,
      locale: input.locale ?? null,
    });
    await recordAudit(trx, ctx.clock, {
      event: 'user.signed_up',
      userId: user.id,
      ip: input.ip,
      detail: outcome === 'created' ? undefined : { outcome },
    });
    if (outcome === 'created')
      await recordEvent(ctx, trx, 'user.created', { userId: user.id, email: user.email, via: 'sign_up' });
    // A replaced account's cap was checked above; a new one's is checked now.
    if (outcome === 'replaced_unverified' || (await underCap(ctx, trx, user.email, 'verify')))
      await sendVerificationEmail(ctx, trx, user, input.browser);
    return true;
  });
  await ctx.timing.signUp.ended(startedAt, registered);
  return { ok: true };
}
