import type { Config, LinkKind } from '../config/config.ts';

/** Where each emailed link lands on oto's own pages, when no LINK_* template points elsewhere. */
const DEFAULT_PATHS: Record<LinkKind, string> = {
  verifyEmail: '/verify-email?token={token}',
  resetPassword: '/reset-password?token={token}',
  confirmEmail: '/confirm-email?token={token}',
  invite: '/invite?token={token}',
  unsubscribe: '/unsubscribe?token={token}',
  signIn: '/sign-in/email?token={token}',
};

/**
 * Builds an emailed link from configuration only: PUBLIC_URL or a LINK_* template. Never from the
 * request's Host or X-Forwarded-Host, which an attacker controls (password-reset poisoning).
 */
export function buildLink(config: Config, kind: LinkKind, token: string): string {
  const template = config.linkTemplates[kind] ?? pageLink(config, DEFAULT_PATHS[kind]);
  return template.replace('{token}', encodeURIComponent(token));
}

/** A plain link to one of oto's pages, e.g. the login page named in an "account exists" email. */
export function pageLink(config: Config, path: string): string {
  return `${config.publicUrl}${config.basePath}${path}`;
}
