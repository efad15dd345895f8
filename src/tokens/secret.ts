import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes: 256 bits, far past any guessing, so a plain SHA-256 suffices to store them. */
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function generateToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** The stored form of a token: SHA-256, lower-case hex. A database leak yields no usable link. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * True for exactly the strings generateToken can produce: 43 base64url characters in canonical
 * form. Anything else is answered as unknown before a query runs, so oversized or odd input never
 * reaches the database.
 */
export function isWellFormedToken(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    TOKEN_PATTERN.test(value) &&
    Buffer.from(value, 'base64url').toString('base64url') === value
  );
}

/**
 * A binding is stored as a fingerprint, not in the clear: it only needs to be compared, and the
 * token table then holds no email address or other personal data of its own.
 */
export function fingerprint(value: string): string {
  return createHash('sha256').update(FINGERPRINT_DOMAIN).update(value).digest('hex');
}

/**
 * What fingerprint() puts before the value. PostgreSQL statements that compute a fingerprint
 * themselves (sha256 of these bytes and the value's UTF-8) take it as a parameter, so the domain
 * is written once.
 */
export const FINGERPRINT_DOMAIN: Buffer = Buffer.from('oto-binding\0');
