import { hkdfSync } from 'node:crypto';
import { type Config, parseCodeKey } from '../config/config.ts';
import { keyRingFor } from './keyring.ts';

/**
 * The keys one-time codes are stored under (src/tokens/codes.ts). A code has a million values, so a
 * bare hash of it hides nothing: every value hashes in milliseconds. Under a key that is not in the
 * database, a dump of the database does not reveal a code.
 *
 * - OTO_CODE_KEY when set: at least 32 bytes, written as hex or base64url.
 * - Otherwise derived with HKDF-SHA-256 from each signing key (OTO_SIGNING_KEYS, or the development
 *   key file beside SQLite; src/tokens/keyring.ts): the key that signs makes new codes, and every key
 *   still on the ring checks them, so a rotation does not void the codes mailed just before it.
 */
export interface CodeKeys {
  /** Makes new codes. */
  readonly current: Buffer;
  /** Checks codes: the current key first. */
  readonly all: readonly Buffer[];
}

const HKDF_INFO = Buffer.from('oto one-time code key');

const cache = new WeakMap<Config, CodeKeys>();

export function codeKeysFor(config: Config): CodeKeys {
  let keys = cache.get(config);
  if (keys === undefined) {
    if (config.codes.key === null) keys = derivedKeys(config);
    else {
      const key = parseCodeKey(config.codes.key);
      keys = { current: key, all: [key] };
    }
    cache.set(config, keys);
  }
  return keys;
}

function derivedKeys(config: Config): CodeKeys {
  const ring = keyRingFor(config);
  const derive = (secret: Buffer) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), HKDF_INFO, 32));
  const current = derive(ring.signing.secret);
  const others = [...ring.keys.values()]
    .filter((key) => key !== ring.signing)
    .map((key) => derive(key.secret));
  return { current, all: [current, ...others] };
}
