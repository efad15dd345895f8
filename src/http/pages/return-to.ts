import type { Config } from '../../config/config.ts';

/**
 * Where the login form sends a user once logged in, when a link page sent them to log in first
 * (confirming a change of email, accepting an invitation with an existing account). The value
 * arrives from a URL anyone can craft, so it is an open redirect unless it is held to one shape:
 * a path on oto's own origin (PUBLIC_URL), which a browser cannot read as another host.
 *
 * Refused, and the user goes to /account instead:
 * - anything that is not a path from the root: absolute URLs, `javascript:`, `evil.example`;
 * - `//host` and `/\host`, which browsers read as a host (a backslash counts as a slash in
 *   http URLs, so no backslash is allowed anywhere);
 * - the same shapes percent-encoded, once or several times (`/%2F%2Fhost`, `%2F%2Fhost`), since
 *   some proxy or framework on the way may decode the value again;
 * - control characters and whitespace, which browsers strip before parsing (`/\t/host`);
 * - anything longer than MAX_LENGTH, or that does not resolve to the configured origin.
 * What is accepted is returned as the URL parser wrote it (path and query), never as it came in.
 */
const MAX_LENGTH = 2048;
const MAX_DECODINGS = 3;

/** Control characters, space and backslash: what a browser strips or reads as a slash. */
function hasUnsafeCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code <= 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x5c) return true;
  }
  return false;
}

export function safeReturnTo(config: Config, value: unknown): string | null {
  if (typeof value !== 'string' || value === '' || value.length > MAX_LENGTH) return null;
  let decoded = value;
  for (let round = 0; round <= MAX_DECODINGS; round++) {
    if (!decoded.startsWith('/') || decoded.startsWith('//') || hasUnsafeCharacter(decoded)) return null;
    if (!decoded.includes('%')) break;
    if (round === MAX_DECODINGS) return null;
    try {
      decoded = decodeURIComponent(decoded);
    } catch {
      return null;
    }
  }
  let url: URL;
  try {
    url = new URL(value, config.publicUrl);
  } catch {
    return null;
  }
  if (url.origin !== new URL(config.publicUrl).origin) return null;
  return `${url.pathname}${url.search}`;
}

/** The login page's address that comes back to `returnTo` (a path from the origin, with basePath). */
export function loginPath(returnTo: string): string {
  return `/login?return_to=${encodeURIComponent(returnTo)}`;
}
