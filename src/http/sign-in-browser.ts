import type { FastifyReply, FastifyRequest } from 'fastify';
import { newSignInNonce } from '../accounts/sign-in-email.ts';
import type { Config } from '../config/config.ts';
import { cookieAttributes } from './session-auth.ts';

/**
 * The cookie that binds a sign-in link to the browser that asked for it (sign-in-email.ts): a random
 * nonce, HttpOnly, SameSite=Lax, Secure on https, living as long as the link. Its Path is oto's
 * mount point: only oto's own sign-in routes and pages need it, unlike the session cookie, which the
 * app's routes read too. A __Host- name needs Path=/, so under a base path it is __Secure-.
 */
export function markSignInBrowser(reply: FastifyReply, config: Config): string {
  const { nonce, fingerprint } = newSignInNonce();
  reply.setCookie(signInCookieName(config), nonce, {
    ...signInCookieAttributes(config),
    maxAge: config.tokenTtl.sign_in,
  });
  return fingerprint;
}

/** The nonce this browser holds, if any. */
export function signInNonce(request: FastifyRequest, config: Config): string | undefined {
  return request.cookies[signInCookieName(config)];
}

/** After the sign-in, the nonce has served its purpose. */
export function clearSignInBrowser(reply: FastifyReply, config: Config): void {
  reply.clearCookie(signInCookieName(config), signInCookieAttributes(config));
}

export function signInCookieName(config: Config): string {
  if (!config.publicUrl.startsWith('https:')) return 'oto_sign_in';
  return config.basePath === '' ? '__Host-oto-sign-in' : '__Secure-oto-sign-in';
}

function signInCookieAttributes(config: Config) {
  return { ...cookieAttributes(config), path: config.basePath === '' ? '/' : config.basePath };
}
