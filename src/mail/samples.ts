import type { Config } from '../config/config.ts';
import type { Locale } from '../i18n/locales.ts';
import { pageLink } from '../links/links.ts';
import { templateEnv } from './queue.ts';
import { type EmailKind, type EmailParams, type RenderedEmail, renderEmail } from './templates.ts';

/**
 * Every email kind with sample values, for `oto templates preview` and the dev mailbox's preview:
 * the links are this config's (PUBLIC_URL, BASE_PATH) with a made-up token, the lifetimes its own,
 * and a flow that mails a link and a code shows both.
 */

const SAMPLE_TOKEN = 'sample-token-not-valid-anywhere-0123456789ab';

export function sampleParams(config: Config): { [K in EmailKind]: EmailParams[K] } {
  const link = (path: string) => `${pageLink(config, path)}?token=${SAMPLE_TOKEN}`;
  const code = { code: '123456', codeValidFor: config.codes.ttlSeconds };
  return {
    verify_email: { link: link('/verify-email'), validFor: config.tokenTtl.verify_email, ...code },
    account_exists: {
      loginLink: pageLink(config, '/login'),
      resetLink: pageLink(config, '/forgot-password'),
    },
    password_reset: { link: link('/reset-password'), validFor: config.tokenTtl.password_reset, ...code },
    password_changed: { resetLink: pageLink(config, '/forgot-password'), keptThisSession: true },
    email_change: {
      link: link('/confirm-email'),
      validFor: config.tokenTtl.email_change,
      newEmail: 'new@example.com',
    },
    email_change_notice: { newEmail: 'new@example.com', resetLink: pageLink(config, '/forgot-password') },
    account_deleted: { signUpLink: pageLink(config, '/signup') },
    account_disabled: { siteLink: pageLink(config, '/') },
    account_enabled: { loginLink: pageLink(config, '/login') },
    invitation: {
      link: link('/invite'),
      validFor: config.tokenTtl.invitation,
      inviter: 'ada@example.com',
      scope: config.appName,
      role: 'member',
    },
    sign_in: { link: link('/sign-in/email'), validFor: config.tokenTtl.sign_in, ...code },
    sign_in_new_account: { link: link('/sign-in/email'), validFor: config.tokenTtl.sign_in, ...code },
    action_code: { action: 'delete_account', ...code },
    newsletter: {
      subject: `News from ${config.appName}`,
      text: `What is new this month, at ${pageLink(config, '/')}`,
      unsubscribeLink: link('/unsubscribe'),
    },
  };
}

/** One kind, rendered with the sample values in a language, as its recipient would get it. */
export function renderSample(config: Config, kind: EmailKind, locale: Locale): RenderedEmail {
  return renderEmail(kind, templateEnv(config, locale), sampleParams(config)[kind] as never);
}
