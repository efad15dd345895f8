import type { User } from '../db/schema.ts';

/**
 * What each account token is bound to (the engine stores a fingerprint and checks it on consume).
 * A verification link is void once the address or the password changes: a registration superseded
 * by a later one (which sets a new password) cannot be completed with the first link. A reset link
 * is void once the password changes by any other means.
 */
export function verifyEmailBinding(user: Pick<User, 'email_normalized' | 'password_version'>): string {
  return `verify_email:${user.email_normalized}:pv${user.password_version}`;
}

/** verifyEmailBinding in SQL, over a users row aliased `u`: the same text on PostgreSQL and SQLite
 * (the verification's consume, src/accounts/verify-email.ts). test/bindings-sql.test.ts holds it
 * to the same fingerprint on both. */
export const VERIFY_EMAIL_BINDING_SQL = `'verify_email:' || u.email_normalized || ':pv' || u.password_version`;

export function passwordResetBinding(user: Pick<User, 'id' | 'password_version'>): string {
  return `password_reset:${user.id}:pv${user.password_version}`;
}

// passwordResetBinding also exists in PostgreSQL, inside oto_request_password_reset (migration
// 0006); test/bindings-sql.test.ts holds the two to the same fingerprint.

/** A sign-in link or code is void once the password changes (or is first set). */
export function signInBinding(user: Pick<User, 'id' | 'password_version'>): string {
  return `sign_in:${user.id}:pv${user.password_version}`;
}

/** An offer to create an account is bound to the address it was sent to. */
export function newAccountBinding(emailNormalized: string): string {
  return `sign_in_new:${emailNormalized}`;
}
