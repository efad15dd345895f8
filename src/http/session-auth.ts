import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ActiveSession, lookupSession, type SessionInfo } from '../accounts/sessions.ts';
import type { Config } from '../config/config.ts';
import type { Context } from '../context.ts';
import { bearerToken } from './api-key.ts';
import { HttpProblem } from './problem.ts';

/**
 * How an HTTP request proves a session, for every route that needs a logged-in user:
 *
 * - Browsers carry the session cookie (config.sessions.cookieName): HttpOnly, SameSite=Lax, Path=/,
 *   Secure when PUBLIC_URL is https (and then named __Host-… by default, which pins all three).
 * - API clients send `Authorization: Bearer <session token>`. When both are present, the header wins.
 *
 * Usage in a route:  const { user, session } = await requireSession(ctx, request);
 * requireSession also refuses a cookie-authenticated state-changing request from another origin.
 */

export interface Authenticated extends ActiveSession {
  via: 'cookie' | 'bearer';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const authenticated = new WeakMap<FastifyRequest, Promise<Authenticated | null>>();

/** The request's session, or null. Looked up once per request however often it is asked. */
export function authenticate(ctx: Context, request: FastifyRequest): Promise<Authenticated | null> {
  let found = authenticated.get(request);
  if (found === undefined) {
    found = lookup(ctx, request);
    authenticated.set(request, found);
  }
  return found;
}

async function lookup(ctx: Context, request: FastifyRequest): Promise<Authenticated | null> {
  const bearer = bearerToken(request);
  if (bearer !== null) {
    const active = await lookupSession(ctx, bearer);
    return active && { ...active, via: 'bearer' };
  }
  const cookie = request.cookies[ctx.config.sessions.cookieName];
  if (cookie === undefined) return null;
  const active = await lookupSession(ctx, cookie);
  return active && { ...active, via: 'cookie' };
}

/**
 * The request's session, or a 401 `unauthenticated`. A state-changing request authenticated by the
 * cookie must also come from PUBLIC_URL's origin (see assertSameOrigin): that is oto's CSRF defence.
 */
export async function requireSession(ctx: Context, request: FastifyRequest): Promise<Authenticated> {
  const auth = await authenticate(ctx, request);
  if (auth === null) throw unauthenticated();
  if (auth.via === 'cookie' && !SAFE_METHODS.has(request.method)) assertSameOrigin(ctx.config, request);
  return auth;
}

export function unauthenticated(): HttpProblem {
  return new HttpProblem(401, 'unauthenticated', 'You need to log in.', {
    headers: { 'www-authenticate': 'Bearer' },
  });
}

/**
 * True when a browser tells us the request was made by another site: its Origin names another
 * origin than PUBLIC_URL, or Sec-Fetch-Site says cross-site. A request with neither
 * header comes from a non-browser client, which no cookie rides along with.
 *
 * An opaque Origin ("null") is not proof either way: browsers send it for a form post from a page
 * with Referrer-Policy: no-referrer, which is every oto page, so oto's own forms post with it.
 * Then Sec-Fetch-Site decides, which the browser sets itself and no page can forge: same-origin
 * passes; anything else, or its absence (a sandboxed frame, an old browser), is refused.
 */
export function isCrossOrigin(config: Config, request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  if (origin === 'null') return site !== 'same-origin';
  if (origin !== undefined && origin !== config.publicUrl) return true;
  return site === 'cross-site';
}

/** Throws 403 `cross_origin` for a request from another site. Page form posts call it always. */
export function assertSameOrigin(config: Config, request: FastifyRequest): void {
  if (isCrossOrigin(config, request)) {
    throw new HttpProblem(403, 'cross_origin', 'Requests from other sites are not accepted here.', {
      detail: `Send this request from ${config.publicUrl}, or from a server without an Origin header.`,
    });
  }
}

/** Sets the session cookie. It lives as long as the session's absolute expiry; the server ends it
 * sooner when idle. */
export function setSessionCookie(
  reply: FastifyReply,
  config: Config,
  token: string,
  session: Pick<SessionInfo, 'createdAt'>,
) {
  reply.setCookie(config.sessions.cookieName, token, {
    ...cookieAttributes(config),
    expires: new Date(session.createdAt + config.sessions.ttlSeconds * 1000),
  });
}

export function clearSessionCookie(reply: FastifyReply, config: Config) {
  reply.clearCookie(config.sessions.cookieName, cookieAttributes(config));
}

/**
 * What every cookie oto sets shares: HttpOnly, SameSite=Lax, Path=/, Secure on https. Path stays /
 * under a basePath: an app that mounts oto at /auth guards its own routes with the same session.
 */
export function cookieAttributes(config: Config) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: config.publicUrl.startsWith('https:'),
    path: '/',
  };
}
