/**
 * What each operator template may use (docs/templates.md lists the same). Every email and page
 * knows the branding; an email's variables are its parameters (EmailParams in
 * src/mail/templates.ts, which checks that the two lists agree); a page knows its frame's parts.
 */

/** The branding, in every email and page (BRAND_* settings, APP_NAME, SUPPORT_EMAIL, LEGAL_FOOTER). */
export const BRAND_VARIABLES = [
  'appName',
  'logoUrl',
  'brandColor',
  'supportEmail',
  'legalFooter',
  'locale',
] as const;

/** Each email kind by its file name (verify-email.html, verify-email.txt, verify-email.subject.txt). */
export const EMAIL_VARIABLES = {
  'verify-email': ['link', 'validFor', 'code', 'codeValidFor'],
  'account-exists': ['loginLink', 'resetLink'],
  'password-reset': ['link', 'validFor', 'code', 'codeValidFor'],
  'password-changed': ['resetLink', 'keptThisSession'],
  'email-change': ['link', 'validFor', 'newEmail'],
  'email-change-notice': ['newEmail', 'resetLink'],
  'account-deleted': ['signUpLink'],
  'account-disabled': ['siteLink'],
  'account-enabled': ['loginLink'],
  invitation: ['link', 'validFor', 'inviter', 'scope', 'role'],
  newsletter: ['subject', 'text', 'html', 'unsubscribeLink'],
  'sign-in': ['link', 'validFor', 'code', 'codeValidFor'],
  'sign-in-new-account': ['link', 'validFor', 'code', 'codeValidFor'],
  'action-code': ['action', 'code', 'codeValidFor'],
} as const;

export type EmailTemplateName = keyof typeof EMAIL_VARIABLES;

/** The HTML and text bodies may also place oto's own body, whole: `content`. */
export const BODY_VARIABLES = ['content'] as const;

/**
 * Every page, by its path ('/' is home; '/reset-password/code' is reset-password-code). A page's
 * file replaces the whole document around the page's own content (its forms and notices).
 * `layout.html` does so for every page without a file of its own.
 */
export const PAGE_PATHS = [
  '/',
  '/account',
  '/account/action-code',
  '/account/delete',
  '/account/deleted',
  '/account/export',
  '/account/locale',
  '/account/password',
  '/account/sessions/revoke',
  '/account/sessions/revoke-others',
  '/account/subscription',
  '/confirm-email',
  '/forgot-password',
  '/invite',
  '/login',
  '/logout',
  '/reset-password',
  '/reset-password/code',
  '/reset-password/resend',
  '/sign-in/email',
  '/sign-in/email/code',
  '/sign-in/email/request',
  '/signup',
  '/unsubscribe',
  '/verify-email',
  '/verify-email/code',
  '/verify-email/resend',
] as const;

export const PAGE_NAMES: readonly string[] = PAGE_PATHS.map(pageName);

export const PAGE_VARIABLES = ['title', 'content', 'nav', 'stylesheet', 'lang'] as const;

/** The page of a route's path, as oto writes it (below BASE_PATH); the landing's old shape is verify-email. */
export function pageName(path: string): string {
  if (path === '/v1/users/verify') return 'verify-email';
  return path === '/' ? 'home' : path.slice(1).replaceAll('/', '-');
}
