import { createHash } from 'node:crypto';
import type { Config } from '../config/config.ts';

/**
 * `oto config`: the effective configuration, as oto read it from the environment, with every
 * secret masked. A masked value keeps a short SHA-256 fingerprint, so an operator can tell which
 * of two keys is deployed without the key being printed.
 */
export function showConfig(config: Config): string {
  return `${JSON.stringify(maskSecrets(config), null, 2)}\n`;
}

/** Keys whose values are secrets: API keys, METRICS_TOKEN, OTO_SIGNING_KEYS, passwords. */
const SECRET_KEY = /(keys?|token|secret|password)$/i;

export function maskSecrets(value: unknown, key = ''): unknown {
  if (value === null || value === undefined) return value;
  if (SECRET_KEY.test(key)) return maskSecret(value);
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item));
  // TEMPLATES_DIR's parsed files: which ones there are, e.g. ["/verify-email.html", "de/layout.html"].
  if (value instanceof Map) return [...value.keys()].map((name) => String(name).replace(/^\//, ''));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  }
  if (typeof value === 'string') return maskUrlPassword(value);
  return value;
}

function maskSecret(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => maskSecret(item));
  // An API key is {name, scopes, key}: its name and scopes are not secret, its `key` is.
  if (typeof value === 'object') return maskSecrets(value);
  if (typeof value !== 'string') return value;
  // OTO_SIGNING_KEYS is "id:secret,…": the ids name the keys and are not secret.
  if (/^[\w.-]+:\S+(,[\w.-]+:\S+)*$/.test(value) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    return value
      .split(',')
      .map((pair) => {
        const at = pair.indexOf(':');
        return `${pair.slice(0, at)}:${masked(pair.slice(at + 1))}`;
      })
      .join(',');
  }
  return masked(value);
}

function masked(secret: string): string {
  return `[masked sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 8)}]`;
}

/** postgres://user:pw@host, redis://:pw@host, smtp://user:pw@host: the password goes. */
function maskUrlPassword(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value)) return value;
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = 'masked';
    return url.toString();
  } catch {
    return value.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:masked@');
  }
}
