import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../config/env.ts';
import { PURPOSE_PATTERN } from '../purposes.ts';

/**
 * Signed, stateless tokens: for links that must work many times and must not cost a row each,
 * such as the unsubscribe link in every newsletter. Nothing is stored; the token carries its
 * claims and an HMAC-SHA256 over them, made with a key from the key ring.
 *
 * Layout (then base64url, no padding):
 *   version (1 byte, = 1) | key id length (1) | key id (ASCII) | user id (16, UUID bytes)
 *   | issued-at (6, epoch milliseconds, big-endian) | MAC (32)
 * The MAC covers a domain-separation label, every byte before the MAC, and the purpose. The purpose
 * is not carried in the token: the verifier supplies the purpose it expects, so a token made for one
 * purpose fails the MAC for any other, with no field an attacker could edit.
 */

const VERSION = 1;
const MAC_BYTES = 32;
const USER_ID_BYTES = 16;
const ISSUED_AT_BYTES = 6;
const MIN_SECRET_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const MAC_LABEL = Buffer.from('oto signed token\0');
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const MIN_BYTES = 2 + 1 + USER_ID_BYTES + ISSUED_AT_BYTES + MAC_BYTES;
const MAX_BYTES = 2 + 32 + USER_ID_BYTES + ISSUED_AT_BYTES + MAC_BYTES;
const MIN_CHARS = Math.ceil((MIN_BYTES * 4) / 3);
const MAX_CHARS = Math.ceil((MAX_BYTES * 4) / 3);
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface SigningKey {
  readonly id: string;
  readonly secret: Buffer;
}

/** The first key signs; every key verifies. Rotation: put a new key first, drop the old one later. */
export interface KeyRing {
  readonly signing: SigningKey;
  readonly keys: ReadonlyMap<string, SigningKey>;
}

export interface SignedClaims {
  purpose: string;
  userId: string;
  issuedAt: number;
}

export type SignedFailure = 'malformed' | 'unknown_key' | 'bad_signature' | 'expired';

export type SignedVerification =
  | { ok: true; userId: string; issuedAt: number; keyId: string }
  | { ok: false; reason: SignedFailure };

export interface VerifyOptions {
  /** When set with `now`, a token older than this is refused as expired. */
  maxAgeMs?: number;
  now?: number;
}

/**
 * Parses `id:secret,id:secret…`. A secret is at least 32 random bytes, written in hex (only hex
 * digits, even length) or else in base64url. `source` names the variable or file in errors.
 */
export function parseKeyRing(raw: string, source = 'OTO_SIGNING_KEYS'): KeyRing {
  const entries = raw
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith('#'));
  if (entries.length === 0) throw new ConfigError(`${source}: no key found; expected id:secret[,id:secret…]`);
  const keys = new Map<string, SigningKey>();
  for (const entry of entries) {
    const key = parseKey(entry, source);
    if (keys.has(key.id)) throw new ConfigError(`${source}: the key id "${key.id}" appears twice`);
    keys.set(key.id, key);
  }
  return { signing: keys.values().next().value as SigningKey, keys };
}

function parseKey(entry: string, source: string): SigningKey {
  const colon = entry.indexOf(':');
  const id = colon === -1 ? '' : entry.slice(0, colon);
  const encoded = colon === -1 ? '' : entry.slice(colon + 1);
  if (!KEY_ID_PATTERN.test(id)) {
    throw new ConfigError(
      `${source}: each key must be id:secret, with an id of 1 to 32 letters, digits, _ or - (got an entry without one)`,
    );
  }
  const secret = decodeSecret(encoded);
  if (secret === null) {
    throw new ConfigError(`${source}: the secret of key "${id}" must be hex or base64url`);
  }
  if (secret.length < MIN_SECRET_BYTES) {
    throw new ConfigError(
      `${source}: the secret of key "${id}" must be at least ${MIN_SECRET_BYTES} random bytes, got ${secret.length}`,
    );
  }
  return { id, secret };
}

function decodeSecret(encoded: string): Buffer | null {
  if (/^[0-9a-fA-F]+$/.test(encoded) && encoded.length % 2 === 0) return Buffer.from(encoded, 'hex');
  if (!BASE64URL.test(encoded)) return null;
  const bytes = Buffer.from(encoded, 'base64url');
  return bytes.toString('base64url') === encoded ? bytes : null;
}

/** A fresh key in OTO_SIGNING_KEYS format: a dated id, and 32 random bytes in base64url. */
export function generateSigningKey(now: Date = new Date()): string {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `k${date}-${randomBytes(3).toString('hex')}:${randomBytes(MIN_SECRET_BYTES).toString('base64url')}`;
}

export function signToken(ring: KeyRing, claims: SignedClaims): string {
  assertPurpose(claims.purpose);
  if (!UUID_PATTERN.test(claims.userId)) throw new TypeError('signed tokens carry a UUID user id');
  if (!Number.isSafeInteger(claims.issuedAt) || claims.issuedAt < 0 || claims.issuedAt >= 2 ** 48) {
    throw new TypeError('issuedAt must be epoch milliseconds');
  }
  const key = ring.signing;
  const keyId = Buffer.from(key.id, 'ascii');
  const body = Buffer.alloc(2 + keyId.length + USER_ID_BYTES + ISSUED_AT_BYTES);
  body[0] = VERSION;
  body[1] = keyId.length;
  keyId.copy(body, 2);
  Buffer.from(claims.userId.replaceAll('-', ''), 'hex').copy(body, 2 + keyId.length);
  body.writeUIntBE(claims.issuedAt, 2 + keyId.length + USER_ID_BYTES, ISSUED_AT_BYTES);
  return Buffer.concat([body, mac(key, body, claims.purpose)]).toString('base64url');
}

/**
 * Checks a token for one purpose. Everything about the input's shape is checked before any MAC is
 * computed, and the MAC is compared in constant time. The reason is for metrics and tests; callers
 * answer every failure the same way.
 */
export function verifyToken(
  ring: KeyRing,
  purpose: string,
  token: unknown,
  options: VerifyOptions = {},
): SignedVerification {
  assertPurpose(purpose);
  const bytes = decodeToken(token);
  if (bytes === null) return { ok: false, reason: 'malformed' };
  const keyIdLength = bytes[1]!;
  const keyId = bytes.subarray(2, 2 + keyIdLength).toString('latin1');
  if (!KEY_ID_PATTERN.test(keyId)) return { ok: false, reason: 'malformed' };
  const key = ring.keys.get(keyId);
  if (key === undefined) return { ok: false, reason: 'unknown_key' };
  const bodyEnd = bytes.length - MAC_BYTES;
  const body = bytes.subarray(0, bodyEnd);
  if (!timingSafeEqual(bytes.subarray(bodyEnd), mac(key, body, purpose))) {
    return { ok: false, reason: 'bad_signature' };
  }
  const issuedAt = body.readUIntBE(2 + keyIdLength + USER_ID_BYTES, ISSUED_AT_BYTES);
  if (
    options.maxAgeMs !== undefined &&
    options.now !== undefined &&
    options.now - issuedAt > options.maxAgeMs
  ) {
    return { ok: false, reason: 'expired' };
  }
  return {
    ok: true,
    userId: formatUuid(body.subarray(2 + keyIdLength, 2 + keyIdLength + USER_ID_BYTES)),
    issuedAt,
    keyId,
  };
}

/** The token's bytes when its outer shape is right (canonical base64url, version, lengths), else null. */
function decodeToken(token: unknown): Buffer | null {
  if (typeof token !== 'string' || token.length < MIN_CHARS || token.length > MAX_CHARS) return null;
  if (!BASE64URL.test(token)) return null;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.toString('base64url') !== token) return null;
  if (bytes.length < MIN_BYTES || bytes[0] !== VERSION) return null;
  const keyIdLength = bytes[1]!;
  if (keyIdLength < 1 || bytes.length !== 2 + keyIdLength + USER_ID_BYTES + ISSUED_AT_BYTES + MAC_BYTES) {
    return null;
  }
  return bytes;
}

function mac(key: SigningKey, body: Buffer, purpose: string): Buffer {
  const purposeBytes = Buffer.from(purpose, 'ascii');
  return createHmac('sha256', key.secret)
    .update(MAC_LABEL)
    .update(body)
    .update(Buffer.of(purposeBytes.length))
    .update(purposeBytes)
    .digest();
}

function assertPurpose(purpose: string): void {
  if (!PURPOSE_PATTERN.test(purpose)) throw new TypeError(`not a token purpose: ${purpose}`);
}

function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
