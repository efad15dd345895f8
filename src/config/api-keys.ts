import { createHash } from 'node:crypto';
import { type Env, fail, read } from './env.ts';

/**
 * OTO_API_KEYS: comma-separated entries, each either `name:scopes:key` (scopes joined by `+`) or a
 * bare `key`. A scope names a group of key-guarded routes; a key reaches only its scopes' routes.
 */

export const API_SCOPES = ['tokens', 'newsletter', 'introspect', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/**
 * What a bare key may do: everything a key could do before scopes existed. `admin` came with
 * scopes and is never implied: reaching every account takes a key that says so.
 */
export const BARE_KEY_SCOPES: readonly ApiScope[] = ['tokens', 'newsletter', 'introspect'];

export interface ApiKey {
  /** Who holds the key: the actor of the audit entries its requests write. Never the key itself. */
  readonly name: string;
  readonly scopes: readonly ApiScope[];
  readonly key: string;
}

export const MIN_API_KEY_LENGTH = 24;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function apiKeys(env: Env): ApiKey[] {
  const raw = read(env, 'OTO_API_KEYS');
  if (raw === undefined) return [];
  const keys = raw.split(',').map((entry) => parseEntry(entry.trim()));
  const names = new Set<string>();
  for (const { name } of keys) {
    if (names.has(name)) fail('OTO_API_KEYS', `the name "${name}" is given to two keys`);
    names.add(name);
  }
  return keys;
}

/**
 * A bare key may itself hold one colon; two or more make it `name:scopes:key`, and the key is
 * everything after the second (so a key with colons still parses). An entry that looks named but
 * is not well formed stops start-up rather than being taken for a bare key with every scope.
 */
function parseEntry(entry: string): ApiKey {
  const first = entry.indexOf(':');
  const second = first === -1 ? -1 : entry.indexOf(':', first + 1);
  if (second === -1) {
    checkLength(entry);
    return { name: bareKeyName(entry), scopes: BARE_KEY_SCOPES, key: entry };
  }
  const name = entry.slice(0, first);
  const scopeList = entry.slice(first + 1, second);
  const key = entry.slice(second + 1);
  if (!NAME.test(name)) {
    fail(
      'OTO_API_KEYS',
      `a key's name must be 1 to 64 letters, digits, '.', '_' or '-' (name:scopes:key), got "${name}"`,
    );
  }
  const scopes = scopeList.split('+');
  for (const scope of scopes) {
    if (!(API_SCOPES as readonly string[]).includes(scope)) {
      fail(
        'OTO_API_KEYS',
        `key "${name}" has the unknown scope "${scope}" (scopes: ${API_SCOPES.join(', ')})`,
      );
    }
  }
  checkLength(key, name);
  return { name, scopes: [...new Set(scopes as ApiScope[])], key };
}

function checkLength(key: string, name?: string): void {
  if (key.length < MIN_API_KEY_LENGTH) {
    fail(
      'OTO_API_KEYS',
      `each key must be at least ${MIN_API_KEY_LENGTH} characters long${name ? ` (key "${name}")` : ''}`,
    );
  }
}

/** A bare key has no name of its own: a short fingerprint tells keys apart without showing one. */
function bareKeyName(key: string): string {
  return `key-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}
