/**
 * Token purposes: what a token may be consumed for. A token issued for one purpose is unknown to every
 * other, so a reset link can never verify an address, nor an invitation reset a password.
 */

/** The purposes of oto's own flows. */
export const PURPOSE = {
  verifyEmail: 'verify_email',
  passwordReset: 'password_reset',
  emailChange: 'email_change',
  invitation: 'invitation',
  signIn: 'sign_in',
} as const;

export type FlowPurpose = (typeof PURPOSE)[keyof typeof PURPOSE];

export const FLOW_PURPOSES: readonly FlowPurpose[] = Object.values(PURPOSE);

/** The purpose of the stateless, signed links (src/tokens/signed.ts), which no table stores. */
export const SIGNED_PURPOSE = { unsubscribe: 'unsubscribe' } as const;

/** Every purpose, oto's and those the token API's callers choose: short, lower-case, no spaces. */
export const PURPOSE_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;
