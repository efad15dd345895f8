import { isoTime } from '../clock.ts';
import { prepared } from '../db/prepared.ts';
import type { Db, User } from '../db/schema.ts';
import { hashToken, isWellFormedToken } from '../tokens/secret.ts';

/** RFC 5321 caps a forward path at 256 octets including the angle brackets: 254 for the address. */
export const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_PART = 64;

/**
 * A pragmatic address check: one @, a local part without spaces, quotes or angle brackets, and a
 * domain of dot-separated labels. Quoted local parts and IP-literal domains are refused on purpose:
 * no real user needs them, and they are the usual vehicle of header and link injection.
 */
const EMAIL_PATTERN =
  /^[^\s@"<>()[\]\\,;:\p{Cc}]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}\p{N}]{2,63}$/u;

/** The reason an email address is refused, or null when it is acceptable. */
export function emailProblem(email: string): string | null {
  const trimmed = email.trim();
  if (trimmed.length === 0) return 'is required';
  if ([...trimmed].length > MAX_EMAIL_LENGTH) return `must be at most ${MAX_EMAIL_LENGTH} characters long`;
  // U+FFFD is what invalid UTF-8 decodes to: the client sent bytes, not an address.
  if (trimmed.includes('\uFFFD') || !EMAIL_PATTERN.test(trimmed)) return 'is not a valid email address';
  if ([...trimmed.split('@')[0]!].length > MAX_LOCAL_PART) return 'is not a valid email address';
  return null;
}

/** The address as the user typed it, minus surrounding spaces: where mail goes. */
export function cleanEmail(email: string): string {
  return email.trim().normalize('NFC');
}

/**
 * The unique key of an account. Lower-cased: no provider treats case as meaningful in practice, and
 * two accounts differing only in case invite confusion. Dots and +tags stay: those are real, distinct
 * mailboxes at some providers, and guessing which ones would be wrong somewhere.
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

export function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  return findUserByNormalizedEmail(db, normalizeEmail(email));
}

export function findUserByNormalizedEmail(db: Db, emailNormalized: string): Promise<User | undefined> {
  return userByEmail.first(db, { emailNormalized });
}

export function findUserById(db: Db, id: string): Promise<User | undefined> {
  return userById.first(db, { id });
}

/**
 * The account a token of this purpose was issued to, whatever the token's state (the consume that
 * follows decides that). One read where a flow would otherwise read the token, then its user.
 */
export async function findTokenOwner(db: Db, purpose: string, token: unknown): Promise<User | undefined> {
  if (!isWellFormedToken(token)) return undefined;
  return userByToken.first(db, { hash: hashToken(token), purpose });
}

const userById = prepared((db, p: { id: string }) =>
  db.selectFrom('users').selectAll().where('id', '=', p.id),
);
const userByEmail = prepared((db, p: { emailNormalized: string }) =>
  db.selectFrom('users').selectAll().where('email_normalized', '=', p.emailNormalized),
);

const userByToken = prepared((db, p: { hash: string; purpose: string }) =>
  db
    .selectFrom('security_tokens')
    .innerJoin('users', 'users.id', 'security_tokens.user_id')
    .selectAll('users')
    .where('security_tokens.token_hash', '=', p.hash)
    .where('security_tokens.purpose', '=', p.purpose),
);

/** What /v1/me, introspection and the account page show of a user. */
export function publicUser(user: User) {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.email_verified_at !== null,
    subscribed: user.unsubscribed_at === null,
    // False for an account that signs in by email only: it can set one through a password reset.
    hasPassword: user.password_hash !== null,
    createdAt: isoTime(user.created_at),
    locale: user.locale,
  };
}
