import type { InputError } from '../accounts/input.ts';
import {
  type SignInCodeResult,
  type SignInLinkResult,
  signInWithCode,
  signInWithLink,
} from '../accounts/sign-in-confirm.ts';
import { newSignInNonce, requestSignInEmail } from '../accounts/sign-in-email.ts';
import { publicUser } from '../accounts/users.ts';
import type { Context } from '../context.ts';
import { type Origin, type PublicUser, type SessionView, sessionOf } from './flows.ts';

/**
 * Passwordless sign-in by email in library mode (options signInEmail, signUpPasswordless): the
 * flows behind POST /v1/sign-in/email and /v1/sign-in/email/confirm, for an app with its own pages.
 * `request` hands back the nonce that binds the emailed link to the browser that asked: keep it in
 * a short-lived HttpOnly cookie and pass it to `confirm` with the token. Without it (another
 * browser), `confirm` answers confirmation_required unless the person confirmed (`confirm: true`).
 */

export type SignInEmailRequestResult =
  | { ok: true; nonce: string }
  | { ok: false; reason: 'invalid_input'; errors: InputError[] }
  | { ok: false; reason: 'not_enabled' };

type Refusal = Exclude<SignInLinkResult | SignInCodeResult, { ok: true }>;

export type SignInEmailConfirmResult =
  | { ok: true; user: PublicUser; session: SessionView; sessionToken: string; newAccount: boolean }
  | Refusal;

export interface LibrarySignInEmail {
  /** Always the same answer for a valid address, whether or not it has an account. */
  request(input: { email: string } & Origin): Promise<SignInEmailRequestResult>;
  /** With the link's token (and the asking browser's nonce), or the emailed code and its address. */
  confirm(
    input: ({ token: string; nonce?: string; confirm?: boolean } | { email: string; code: string }) & Origin,
  ): Promise<SignInEmailConfirmResult>;
}

export function librarySignInEmail(ctx: Context): LibrarySignInEmail {
  return {
    async request(input) {
      const { nonce, fingerprint } = newSignInNonce();
      const result = await requestSignInEmail(ctx, {
        email: input.email,
        ip: input.ip ?? null,
        browser: fingerprint,
      });
      return result.ok ? { ok: true, nonce } : result;
    },
    async confirm(input) {
      const origin = { ip: input.ip ?? null, userAgent: input.userAgent ?? null };
      const result =
        'token' in input
          ? await signInWithLink(ctx, {
              token: input.token,
              nonce: input.nonce,
              confirm: input.confirm === true,
              ...origin,
            })
          : await signInWithCode(ctx, { email: input.email, code: input.code, ...origin });
      if (!result.ok) return result;
      return {
        ok: true,
        user: publicUser(result.user),
        ...sessionOf(result.created),
        newAccount: result.newAccount,
      };
    },
  };
}
