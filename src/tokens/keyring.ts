import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config/config.ts';
import { ConfigError } from '../config/env.ts';
import { generateSigningKey, type KeyRing, parseKeyRing } from './signed.ts';

/** Where the development key lives: beside the SQLite file, so `./data` holds all local state. */
export const DEV_KEY_FILE = 'signing-keys';

const rings = new WeakMap<Config, KeyRing>();

/**
 * The process's signing keys, read once per config:
 * - OTO_SIGNING_KEYS when set;
 * - otherwise, in the default development setup (SQLite, NODE_ENV not production), a key generated
 *   on first use and kept in `signing-keys` next to the database file (mode 0600), so links in
 *   mail sent yesterday still verify after a restart;
 * - otherwise (PostgreSQL or NODE_ENV=production): a ConfigError. A production deployment must
 *   hold its keys in its secret store; a key silently generated on one instance's disk would make
 *   every other instance reject that instance's links.
 */
export function keyRingFor(config: Config): KeyRing {
  let ring = rings.get(config);
  if (ring === undefined) {
    ring = loadKeyRing(config);
    rings.set(config, ring);
  }
  return ring;
}

function loadKeyRing(config: Config): KeyRing {
  if (config.signingKeys !== null) return parseKeyRing(config.signingKeys);
  if (config.production || config.database.kind !== 'sqlite') {
    throw new ConfigError(
      'OTO_SIGNING_KEYS: is required with PostgreSQL or NODE_ENV=production; create one with `oto keys generate`',
    );
  }
  // An in-memory database forgets its users at exit; a key that dies with it is enough.
  if (config.database.path === ':memory:') return parseKeyRing(generateSigningKey(), 'generated key');
  return readOrCreateDevKeys(join(dirname(config.database.path), DEV_KEY_FILE));
}

/**
 * Reads the key file, creating it first if needed. Creation writes a private temporary file and
 * hard-links it into place, which fails if the file appeared meanwhile: two processes starting
 * together end up with the same key, and no one ever reads a half-written file.
 */
export function readOrCreateDevKeys(path: string): KeyRing {
  try {
    return readKeyFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(
      fd,
      `# oto development signing key; production sets OTO_SIGNING_KEYS instead\n${generateSigningKey()}\n`,
    );
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
  return readKeyFile(path);
}

function readKeyFile(path: string): KeyRing {
  const text = readFileSync(path, 'utf8');
  // The file is a secret: keep it readable by its owner only, whatever the umask was.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return parseKeyRing(text, path);
}
