import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Config } from '../config/config.ts';
import { keyRingFor } from '../tokens/keyring.ts';
import type { SigningKey } from '../tokens/signed.ts';

/**
 * Webhook secrets at rest. oto must read a secret back to sign with it, so it cannot keep only a
 * hash, as it does for tokens and codes. It keeps it sealed instead: AES-256-GCM under a key derived
 * (HKDF-SHA-256) from a signing key of OTO_SIGNING_KEYS, which is not in the database. A dump of
 * the database then does not let anyone forge the webhooks an app trusts.
 *
 * A sealed secret names the signing key it was sealed under: new secrets are sealed under the key
 * that signs, and every key still on the ring opens them, so rotating OTO_SIGNING_KEYS voids no
 * endpoint as long as the old key stays listed (the webhook job reseals them under
 * the new key when it starts: resealSecrets, endpoints.ts). A secret stored in clear by an oto from before
 * sealing (it begins `whsec_`) is still read as it is, and sealed at the next start.
 */
const SEALED = 'sealed1';
const HKDF_INFO = Buffer.from('oto webhook secret key');
const IV_BYTES = 12;
const TAG_BYTES = 16;

const boxKeys = new WeakMap<SigningKey, Buffer>();

function boxKey(key: SigningKey): Buffer {
  let derived = boxKeys.get(key);
  if (derived === undefined) {
    derived = Buffer.from(hkdfSync('sha256', key.secret, Buffer.alloc(0), HKDF_INFO, 32));
    boxKeys.set(key, derived);
  }
  return derived;
}

/** `sealed1.<signing key id>.<iv, ciphertext and tag, base64url>` */
export function sealSecret(config: Config, secret: string): string {
  const key = keyRingFor(config).signing;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', boxKey(key), iv);
  const sealed = Buffer.concat([iv, cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${SEALED}.${key.id}.${sealed.toString('base64url')}`;
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(`${SEALED}.`);
}

/** Stored in clear, or sealed under a key that no longer signs: resealSecrets (endpoints.ts) seals it anew. */
export function wantsResealing(config: Config, stored: string): boolean {
  return !isSealed(stored) || stored.split('.')[1] !== keyRingFor(config).signing.id;
}

/** The secret a stored value holds; throws, naming no secret, if no key on the ring opens it. */
export function openSecret(config: Config, stored: string): string {
  if (!isSealed(stored)) return stored;
  const [, keyId, data] = stored.split('.');
  const key = keyRingFor(config).keys.get(keyId ?? '');
  if (key === undefined || data === undefined)
    throw new Error(
      `a webhook secret is sealed under signing key '${keyId}', which OTO_SIGNING_KEYS no longer lists`,
    );
  const bytes = Buffer.from(data, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', boxKey(key), bytes.subarray(0, IV_BYTES));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  return Buffer.concat([
    decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
    decipher.final(),
  ]).toString('utf8');
}
