import { html, SafeHtml } from '../html.ts';
import type { Words } from '../i18n/locales.ts';
import type { EMAIL_VARIABLES } from '../templates/variables.ts';
import {
  type Built,
  codeBody,
  finish,
  lines,
  linkBody,
  type RenderedEmail,
  type TemplateEnv,
} from './email-frame.ts';

/**
 * Every email oto sends: a subject, a plain-text body and an HTML body, in the recipient's
 * language. The words are in the catalogues (src/i18n/); here is what each kind says, in which
 * order. Every value that came from a user is escaped by `html`. An operator's file in
 * TEMPLATES_DIR replaces a part of a kind (email-frame.ts applies it).
 */

export type { RenderedEmail, TemplateEnv } from './email-frame.ts';

/** The actions an account without a password confirms with an emailed code (accounts/action-codes.ts). */
type SensitiveActionName = 'change_email' | 'change_password' | 'delete_account' | 'revoke_other_sessions';

/** How long a link or code lasts: seconds, said in the recipient's language, or words as given. */
type ValidFor = number | string;

export interface EmailParams {
  /** A link, a code, or both (VERIFY_EMAIL_METHOD); `codeValidFor` goes with the code. */
  verify_email: { link?: string; validFor: ValidFor; code?: string; codeValidFor?: ValidFor };
  account_exists: { loginLink: string; resetLink: string };
  password_reset: { link?: string; validFor: ValidFor; code?: string; codeValidFor?: ValidFor };
  /** keptThisSession: changed while logged in, whose session stays (else a reset: none stays). */
  password_changed: { resetLink: string; keptThisSession?: boolean };
  email_change: { link: string; validFor: ValidFor; newEmail: string };
  email_change_notice: { newEmail: string; resetLink: string };
  account_deleted: { signUpLink: string };
  account_disabled: { siteLink: string };
  account_enabled: { loginLink: string };
  invitation: { link: string; validFor: ValidFor; inviter: string; scope: string; role: string };
  newsletter: { subject: string; text: string; html?: string | null; unsubscribeLink: string };
  /** Passwordless sign-in: a link, a code, or both (SIGN_IN_EMAIL_METHOD). */
  sign_in: { link?: string; validFor: ValidFor; code?: string; codeValidFor?: ValidFor };
  /** Sign-in asked for an address without an account, with SIGN_UP_PASSWORDLESS: creating one. */
  sign_in_new_account: { link?: string; validFor: ValidFor; code?: string; codeValidFor?: ValidFor };
  /** A code for one sensitive action of an account without a password (action-codes.ts). */
  action_code: { action: SensitiveActionName; code: string; codeValidFor: ValidFor };
}

export type EmailKind = keyof EmailParams;

/** The operator's variables (src/templates/variables.ts) are each kind's parameters, no more, no less. */
type FileName<K extends string> = K extends `${infer A}_${infer B}` ? `${A}-${FileName<B>}` : K;
type SameNames<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Fails `tsc` when a kind's parameters and its variables in EMAIL_VARIABLES differ. */
export type VariablesMatchParams = Assert<
  {
    [K in EmailKind]: SameNames<keyof EmailParams[K], (typeof EMAIL_VARIABLES)[FileName<K>][number]>;
  }[EmailKind]
>;
type Assert<T extends true> = T;

type Kind<K extends EmailKind> = (env: TemplateEnv, w: Words, params: EmailParams[K]) => Built;

const templates: { [K in EmailKind]: Kind<K> } = {
  verify_email: (env, w, p) => {
    const a = { appName: env.appName };
    const action = { lead: w.t('email.verify_email.lead', a), action: w.t('email.verify_email.action') };
    const ignore = w.t('email.verify_email.ignore');
    return { subject: w.t('email.verify_email.subject', a), ...actionBody(env, w, p, action, ignore) };
  },

  account_exists: (env, w, p) => {
    const a = { appName: env.appName };
    return {
      subject: w.t('email.account_exists.subject', a),
      text: lines(
        w.t('email.account_exists.lead', a),
        '',
        `${w.t('email.account_exists.login')}: ${p.loginLink}`,
        `${w.t('email.account_exists.reset')}: ${p.resetLink}`,
        '',
        w.t('email.account_exists.ignore'),
      ),
      body: html`<p>${w.t('email.account_exists.lead', a)}</p>
<p><a href="${p.loginLink}">${w.t('email.account_exists.login')}</a></p>
<p><a href="${p.resetLink}">${w.t('email.account_exists.reset')}</a></p>
<p>${w.t('email.account_exists.ignore')}</p>`,
    };
  },

  password_reset: (env, w, p) => {
    const a = { appName: env.appName };
    const action = { lead: w.t('email.password_reset.lead', a), action: w.t('email.password_reset.action') };
    const ignore = w.t('email.password_reset.ignore');
    return { subject: w.t('email.password_reset.subject', a), ...actionBody(env, w, p, action, ignore) };
  },

  // After a change from the account page the session that made it stays; after a reset none does.
  password_changed: (env, w, p) => {
    const a = { appName: env.appName };
    const lead = w.t(
      p.keptThisSession ? 'email.password_changed.leadKept' : 'email.password_changed.leadAll',
      a,
    );
    return {
      subject: w.t('email.password_changed.subject', a),
      text: lines(lead, '', `${w.t('email.notYou.reset')}: ${p.resetLink}`),
      body: html`<p>${lead}</p>
<p><a href="${p.resetLink}">${w.t('email.notYou.reset')}</a>.</p>`,
    };
  },

  email_change: (env, w, p) => {
    const a = { appName: env.appName, newEmail: p.newEmail };
    const action = { lead: w.t('email.email_change.lead', a), action: w.t('email.email_change.action') };
    return {
      subject: w.t('email.email_change.subject', a),
      ...linkBody(
        env,
        w,
        { ...action, link: p.link, validFor: p.validFor },
        w.t('email.email_change.ignore'),
      ),
    };
  },

  email_change_notice: (env, w, p) => {
    const a = { appName: env.appName };
    return {
      subject: w.t('email.email_change_notice.subject', a),
      text: lines(
        w.t('email.email_change_notice.lead', { ...a, newEmail: p.newEmail }),
        w.t('email.email_change_notice.only'),
        '',
        `${w.t('email.notYou.reset')}: ${p.resetLink}`,
      ),
      body: html`<p>${w.html('email.email_change_notice.lead', { ...a, newEmail: html`<strong>${p.newEmail}</strong>` })}</p>
<p>${w.t('email.email_change_notice.only')}</p>
<p><a href="${p.resetLink}">${w.t('email.notYou.reset')}</a>.</p>`,
    };
  },

  // The last message to a deleted account: no link into an account, which no longer exists. Its outbox
  // row is erased on delivery (ERASED_ON_DELIVERY in src/mail/claims.ts).
  account_deleted: (env, w, p) => {
    const a = { appName: env.appName };
    return {
      subject: w.t('email.account_deleted.subject', a),
      text: lines(
        w.t('email.account_deleted.lead', a),
        w.t('email.account_deleted.nothingMore'),
        '',
        `${w.t('email.account_deleted.again')}: ${p.signUpLink}`,
      ),
      body: html`<p>${w.t('email.account_deleted.lead', a)}</p>
<p>${w.t('email.account_deleted.nothingMore')}</p>
<p><a href="${p.signUpLink}">${w.t('email.account_deleted.again')}</a>.</p>`,
    };
  },

  account_disabled: (env, w, p) => {
    const a = { appName: env.appName };
    return {
      subject: w.t('email.account_disabled.subject', a),
      text: lines(
        w.t('email.account_disabled.lead', a),
        w.t('email.account_disabled.cannot'),
        '',
        `${w.t('email.account_disabled.contact', a)}: ${p.siteLink}`,
      ),
      body: html`<p>${w.t('email.account_disabled.lead', a)}</p>
<p>${w.t('email.account_disabled.cannot')}</p>
<p><a href="${p.siteLink}">${w.t('email.account_disabled.contact', a)}</a>.</p>`,
    };
  },

  account_enabled: (env, w, p) => {
    const a = { appName: env.appName };
    return {
      subject: w.t('email.account_enabled.subject', a),
      text: lines(
        w.t('email.account_enabled.lead', a),
        '',
        `${w.t('email.account_enabled.login')}: ${p.loginLink}`,
      ),
      body: html`<p>${w.t('email.account_enabled.lead', a)}</p>
<p><a href="${p.loginLink}">${w.t('email.account_enabled.login')}</a></p>`,
    };
  },

  invitation: (env, w, p) => {
    const a = { appName: env.appName, inviter: p.inviter, scope: p.scope, role: p.role };
    const action = { lead: w.t('email.invitation.lead', a), action: w.t('email.invitation.action') };
    return {
      subject: w.t('email.invitation.subject', a),
      ...linkBody(env, w, { ...action, link: p.link, validFor: p.validFor }, w.t('email.invitation.ignore')),
    };
  },

  sign_in: (env, w, p) => {
    const a = { appName: env.appName };
    const action = { lead: w.t('email.sign_in.lead', a), action: w.t('email.sign_in.action') };
    return {
      subject: w.t('email.sign_in.subject', a),
      ...actionBody(env, w, p, action, w.t('email.sign_in.ignore')),
    };
  },

  sign_in_new_account: (env, w, p) => {
    const a = { appName: env.appName };
    const action = {
      lead: w.t('email.sign_in_new_account.lead', a),
      action: w.t('email.sign_in_new_account.action'),
    };
    return {
      subject: w.t('email.sign_in_new_account.subject', a),
      ...actionBody(env, w, p, action, w.t('email.sign_in_new_account.ignore')),
    };
  },

  action_code: (env, w, p) => {
    const a = { appName: env.appName, action: w.t(`email.action_code.${p.action}`) };
    const action = { lead: w.t('email.action_code.lead', a), action: '' };
    const code = { validFor: p.codeValidFor, code: p.code, codeValidFor: p.codeValidFor };
    return {
      subject: w.t('email.action_code.subject', a),
      ...actionBody(env, w, code, action, w.t('email.action_code.ignore')),
    };
  },

  // RFC 8058 one-click unsubscribe: mail clients show an Unsubscribe button that POSTs
  // "List-Unsubscribe=One-Click" to the URL. It must be https in production (PUBLIC_URL), and the
  // page at that URL must unsubscribe on POST only, never on GET (scanners fetch links).
  newsletter: (env, w, p) => ({
    subject: p.subject,
    headers: {
      'List-Unsubscribe': `<${p.unsubscribeLink}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    text: lines(
      p.text,
      '',
      '--',
      `${w.t('email.newsletter.unsubscribe', { appName: env.appName })}: ${p.unsubscribeLink}`,
    ),
    // The newsletter's own HTML, written by the app's operator, is trusted as given.
    body: html`${p.html ? new SafeHtml(p.html) : html`<div style="white-space:pre-wrap">${linkified(p.text)}</div>`}
<hr><p style="font-size:12px;color:#666"><a href="${p.unsubscribeLink}">${w.t('email.newsletter.unsubscribeLink')}</a> ${w.t('email.newsletter.unsubscribeRest', { appName: env.appName })}</p>`,
  }),
};

/** Every kind, in the order above. */
export const EMAIL_KINDS = Object.keys(templates) as EmailKind[];

export function isEmailKind(value: string): value is EmailKind {
  return Object.hasOwn(templates, value);
}

export function renderEmail<K extends EmailKind>(
  kind: K,
  env: TemplateEnv,
  params: EmailParams[K],
): RenderedEmail {
  return finish(kind, env, params as Record<string, unknown>, (w) => templates[kind](env, w, params));
}

/** A text newsletter as HTML: its addresses become links, so both parts carry the same ones. */
function linkified(text: string): SafeHtml[] {
  return text
    .split(/(https?:\/\/[^\s<>"]+)/)
    .map((part, i) => (i % 2 === 1 ? html`<a href="${part}">${part}</a>` : html`${part}`));
}

interface CodeOrLink {
  link?: string | undefined;
  validFor: ValidFor;
  code?: string | undefined;
  codeValidFor?: ValidFor | undefined;
}

/** A link, a code, or both, by what the flow mails. */
function actionBody(
  env: TemplateEnv,
  w: Words,
  p: CodeOrLink,
  words: { lead: string; action: string },
  ignore: string,
): Omit<Built, 'subject'> {
  if (p.code !== undefined)
    return codeBody(
      env,
      w,
      {
        ...words,
        link: p.link,
        validFor: p.validFor,
        code: p.code,
        codeValidFor: p.codeValidFor ?? p.validFor,
      },
      ignore,
    );
  if (p.link === undefined) throw new TypeError('an action email needs a link or a code');
  return linkBody(env, w, { ...words, link: p.link, validFor: p.validFor }, ignore);
}
