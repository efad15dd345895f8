import { hash, type Options, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import type { Config } from '../config/config.ts';

/**
 * Password policy and storage (NIST SP 800-63B, OWASP Password Storage):
 * - length counted in Unicode code points after NFKC, at least PASSWORD_MIN_LENGTH; anything up to
 *   1 KiB is accepted (so 128 characters always are), and longer input is refused before hashing;
 * - no composition rules; rejected when on the common-password list, when it contains the email's
 *   local part or APP_NAME, each with its reason;
 * - stored as Argon2id, m=19456 KiB, t=2, p=1 (OWASP's minimum), hashed on libuv's thread pool by
 *   @node-rs/argon2 so the event loop keeps serving while a hash runs.
 * The NFKC form is what gets hashed, so the same password typed on another keyboard (composed or
 * decomposed accents, full-width digits) still matches. Case is never changed, nothing is truncated.
 */

/** Larger input is answered with a fast 422 and never hashed: long-password denial of service. */
export const MAX_PASSWORD_BYTES = 1024;

// The package's Algorithm is a declared const enum, absent at run time; 2 is its Argon2id.
export const ARGON2_OPTIONS: Options = {
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

/** Parts shorter than this are too common to forbid inside a password (an email "jo@…"). */
const MIN_FORBIDDEN_PART = 3;

const COMMON_PASSWORDS = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

export interface PasswordContext {
  /** The account's email: a password containing its local part is refused. */
  email?: string | null;
}

/**
 * The reasons a password is refused, in words to show the user; empty when it is acceptable.
 * Cheap and synchronous: call it before anything is hashed or any token is consumed.
 */
export function passwordProblems(config: Config, password: string, context: PasswordContext = {}): string[] {
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    return [`must be at most ${MAX_PASSWORD_BYTES} bytes long`];
  }
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  const problems: string[] = [];
  const min = config.passwords.minLength;
  if (length < min) problems.push(`must be at least ${min} characters long (it has ${length})`);
  const lower = normalized.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) {
    problems.push('is one of the most common passwords, which attackers try first');
  }
  if (new Set(normalized).size <= 2 && length > 0) {
    problems.push('repeats one or two characters, which attackers try first');
  }
  const localPart = context.email?.split('@')[0]?.normalize('NFKC').toLowerCase() ?? '';
  if (localPart.length >= MIN_FORBIDDEN_PART && lower.includes(localPart)) {
    problems.push('must not contain your email address');
  }
  const appName = config.appName.normalize('NFKC').toLowerCase();
  if (appName.length >= MIN_FORBIDDEN_PART && lower.includes(appName)) {
    problems.push(`must not contain the name of this service (${config.appName})`);
  }
  return problems;
}

/**
 * Why a typed current password cannot even be checked, or null: empty (nothing to check, so it is
 * not counted as a guess) or over MAX_PASSWORD_BYTES (never hashed).
 */
export function currentPasswordInputProblem(password: string): string | null {
  if (password === '') return 'is required';
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    return `must be at most ${MAX_PASSWORD_BYTES} bytes long`;
  }
  return null;
}

export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

export function hashPassword(password: string): Promise<string> {
  return hash(normalizePassword(password), ARGON2_OPTIONS);
}

/** False for a wrong password and for a stored value that is not an Argon2 hash (never throws). */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null || Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    await burnHashTime(password);
    return false;
  }
  try {
    return await verify(stored, normalizePassword(password));
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Takes the time of one password check, for the paths that have no real hash to check (unknown
 * email, account without a password), so timing does not tell them apart.
 */
export async function burnHashTime(password: string): Promise<void> {
  dummyHash ??= hash('oto dummy password, never valid', ARGON2_OPTIONS);
  const input = Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES ? '' : normalizePassword(password);
  await verify(await dummyHash, input);
}
