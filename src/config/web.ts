/**
 * How oto is reached on the web, read from the environment: the public origin every mailed link
 * starts with, the path it is mounted under, per-link URL templates, and the proxies it trusts.
 */
import { availableParallelism } from 'node:os';
import { type Env, fail, read } from './env.ts';

function httpOrigin(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail(name, `must be an http(s) origin such as https://auth.example.com, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    fail(name, `must use http or https, got "${raw}"`);
  if (
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    (url.pathname !== '/' && url.pathname !== '')
  ) {
    fail(name, `must be an origin only (scheme, host and port), got "${raw}"`);
  }
  return url.origin;
}

export function trustProxy(env: Env): boolean | number | string {
  const raw = read(env, 'TRUST_PROXY');
  if (raw === undefined || /^(0|false|no|off)$/i.test(raw)) return false;
  if (/^(true|yes|on)$/i.test(raw)) return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  // A comma-separated list of trusted proxy addresses or CIDR ranges.
  if (/^[0-9a-fA-F:.,/\s]+$/.test(raw)) return raw;
  return fail('TRUST_PROXY', `must be false, true, a hop count, or a list of proxy addresses, got "${raw}"`);
}

export function linkTemplate(env: Env, name: string, production: boolean): string | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  if (!raw.includes('{token}')) fail(name, 'must contain {token}');
  let url: URL;
  try {
    url = new URL(raw.replace('{token}', 'x'));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
  } catch {
    fail(name, `must be an http(s) URL template such as https://app.example/reset?token={token}`);
  }
  if (production && url.protocol !== 'https:')
    fail(name, `must use https when NODE_ENV=production, got "${raw}"`);
  return raw;
}

/**
 * Every link oto mails starts with PUBLIC_URL. In production it must be given (the development
 * default points at localhost) and use https: a link that travels in the clear hands its token to
 * anyone on the path, and the List-Unsubscribe header must be an HTTPS URI (RFC 8058).
 */
export function publicOrigin(env: Env, production: boolean, port: number): string {
  const raw = read(env, 'PUBLIC_URL');
  if (raw === undefined && production) fail('PUBLIC_URL', 'is required when NODE_ENV=production');
  const origin = httpOrigin('PUBLIC_URL', raw ?? `http://localhost:${port || 3000}`);
  if (production && !origin.startsWith('https:'))
    fail('PUBLIC_URL', `must use https when NODE_ENV=production, got "${raw}"`);
  return origin;
}
/**
 * BASE_PATH is a plain path: it is put in front of paths in links, HTML attributes and Location
 * headers, so anything a URL or HTML would read differently (a query, a fragment, dot segments,
 * quotes, a backslash, '//') is refused rather than escaped.
 */
export function basePath(env: Env): string {
  const raw = read(env, 'BASE_PATH');
  if (raw === undefined || raw === '' || raw === '/') return '';
  const path = raw.endsWith('/') ? raw.slice(0, -1) : raw;
  const segments = path.split('/').slice(1);
  if (
    !path.startsWith('/') ||
    segments.some((segment) => !/^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/.test(segment) || /^\.+$/.test(segment))
  ) {
    fail(
      'BASE_PATH',
      `must be a path such as /auth (letters, digits, - _ . ~ between slashes), got "${raw}"`,
    );
  }
  return path;
}

/** The most HTTP worker processes `oto serve` forks: beyond this, a typo rather than a machine. */
const MAX_WORKERS = 256;

/** WEB_CONCURRENCY: HTTP worker processes, 1 by default; `auto` is one per core this process may use. */
export function webConcurrency(env: Env): number {
  return parseWorkers('WEB_CONCURRENCY', read(env, 'WEB_CONCURRENCY') ?? '1');
}

/** A worker count as WEB_CONCURRENCY and `oto serve --workers` take it: a whole number or `auto`. */
export function parseWorkers(name: string, raw: string): number {
  if (raw === 'auto') return Math.min(availableParallelism(), MAX_WORKERS);
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= MAX_WORKERS))
    fail(name, `must be auto or a whole number from 1 to ${MAX_WORKERS}, got "${raw}"`);
  return value;
}
