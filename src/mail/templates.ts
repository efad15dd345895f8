import { html, SafeHtml } from '../html.ts';

/**
 * Every email oto sends, as plain functions: a subject, a plain-text body and an HTML body.
 * Wording lives here and only here. Every value that came from a user is escaped by `html`.
 */

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  /** Extra headers the kind always carries, e.g. the RFC 8058 unsubscribe pair on newsletters. */
  headers?: Record<string, string>;
}

export interface TemplateEnv {
  appName: string;
}

export interface EmailParams {
  /** A link, a code, or both (VERIFY_EMAIL_METHOD); `codeValidFor` goes with the code. */
  verify_email: { link?: string; validFor: string; code?: string; codeValidFor?: string };
  account_exists: { loginLink: string; resetLink: string };
  password_reset: { link?: string; validFor: string; code?: string; codeValidFor?: string };
  /** keptThisSession: changed while logged in, whose session stays (else a reset: none stays). */
  password_changed: { resetLink: string; keptThisSession?: boolean };
  email_change: { link: string; validFor: string; newEmail: string };
  email_change_notice: { newEmail: string; resetLink: string };
  account_deleted: { signUpLink: string };
  account_disabled: { siteLink: string };
  account_enabled: { loginLink: string };
  invitation: { link: string; validFor: string; inviter: string; scope: string; role: string };
  newsletter: { subject: string; text: string; html?: string | null; unsubscribeLink: string };
  /** Passwordless sign-in: a link, a code, or both (SIGN_IN_EMAIL_METHOD). */
  sign_in: { link?: string; validFor: string; code?: string; codeValidFor?: string };
  /** Sign-in asked for an address without an account, with SIGN_UP_PASSWORDLESS: creating one. */
  sign_in_new_account: { link?: string; validFor: string; code?: string; codeValidFor?: string };
  /** A code for one sensitive action of an account without a password (action-codes.ts). */
  action_code: { action: string; code: string; codeValidFor: string };
}

export type EmailKind = keyof EmailParams;

type Template<K extends EmailKind> = (env: TemplateEnv, params: EmailParams[K]) => RenderedEmail;

const templates: { [K in EmailKind]: Template<K> } = {
  verify_email: (env, p) =>
    actionEmail(env, {
      subject: `Confirm your email for ${env.appName}`,
      lead: `Someone signed up for ${env.appName} with this address. If it was you, confirm your email:`,
      action: 'Confirm my email',
      link: p.link,
      validFor: p.validFor,
      code: p.code,
      codeValidFor: p.codeValidFor,
      ignore: 'If you did not sign up, ignore this email: no account will be activated.',
    }),

  account_exists: (env, p) => ({
    subject: `Your ${env.appName} account`,
    text: lines(
      `Someone tried to sign up for ${env.appName} with this address, which already has an account.`,
      '',
      `Log in: ${p.loginLink}`,
      `Forgot your password? Reset it: ${p.resetLink}`,
      '',
      'If this was not you, you can ignore this email. Nothing has changed.',
    ),
    html: layout(
      env,
      html`<p>Someone tried to sign up for ${env.appName} with this address, which already has an account.</p>
<p><a href="${p.loginLink}">Log in</a> or, if you forgot your password, <a href="${p.resetLink}">reset it</a>.</p>
<p>If this was not you, you can ignore this email. Nothing has changed.</p>`,
    ),
  }),

  password_reset: (env, p) =>
    actionEmail(env, {
      subject: `Reset your ${env.appName} password`,
      lead: `Someone asked to reset the password of your ${env.appName} account. To choose a new one:`,
      action: 'Choose a new password',
      link: p.link,
      validFor: p.validFor,
      code: p.code,
      codeValidFor: p.codeValidFor,
      ignore: 'If you did not ask for this, ignore this email: your password stays as it is.',
    }),

  password_changed: (env, p) => {
    // After a change from the account page the session that made it stays; after a reset none does.
    const sessions = p.keptThisSession
      ? 'every other session was logged out'
      : 'every session was logged out';
    return {
      subject: `Your ${env.appName} password was changed`,
      text: lines(
        `The password of your ${env.appName} account was just changed, and ${sessions}.`,
        '',
        `If this was not you, reset your password now: ${p.resetLink}`,
      ),
      html: layout(
        env,
        html`<p>The password of your ${env.appName} account was just changed, and ${sessions}.</p>
<p>If this was not you, <a href="${p.resetLink}">reset your password now</a>.</p>`,
      ),
    };
  },

  email_change: (env, p) =>
    actionEmail(env, {
      subject: `Confirm your new email for ${env.appName}`,
      lead: `Someone asked to change the email of a ${env.appName} account to ${p.newEmail}. If it was you, confirm:`,
      action: 'Confirm this email',
      link: p.link,
      validFor: p.validFor,
      ignore: 'If you did not ask for this, ignore this email: nothing will change.',
    }),

  email_change_notice: (env, p) => ({
    subject: `A change of email was requested for your ${env.appName} account`,
    text: lines(
      `Someone asked to change the email of your ${env.appName} account to ${p.newEmail}.`,
      'The change happens only if the new address is confirmed from the link sent to it.',
      '',
      `If this was not you, reset your password now: ${p.resetLink}`,
    ),
    html: layout(
      env,
      html`<p>Someone asked to change the email of your ${env.appName} account to <strong>${p.newEmail}</strong>.</p>
<p>The change happens only if the new address is confirmed from the link sent to it.</p>
<p>If this was not you, <a href="${p.resetLink}">reset your password now</a>.</p>`,
    ),
  }),

  // The last message to a deleted account: no link into an account, which no longer exists. Its outbox
  // row is erased on delivery (ERASED_ON_DELIVERY in src/mail/claims.ts).
  account_deleted: (env, p) => ({
    subject: `Your ${env.appName} account was deleted`,
    text: lines(
      `Your ${env.appName} account was deleted, with its sessions, links and email preferences.`,
      'Nothing more will be sent to this address.',
      '',
      `You can sign up again with this address at any time: ${p.signUpLink}`,
    ),
    html: layout(
      env,
      html`<p>Your ${env.appName} account was deleted, with its sessions, links and email preferences.</p>
<p>Nothing more will be sent to this address.</p>
<p>You can <a href="${p.signUpLink}">sign up again</a> with this address at any time.</p>`,
    ),
  }),

  account_disabled: (env, p) => ({
    subject: `Your ${env.appName} account was disabled`,
    text: lines(
      `Your ${env.appName} account was disabled by its operators, and every session was logged out.`,
      'You cannot log in until it is enabled again.',
      '',
      `If you think this is a mistake, contact ${env.appName}'s support: ${p.siteLink}`,
    ),
    html: layout(
      env,
      html`<p>Your ${env.appName} account was disabled by its operators, and every session was logged out.</p>
<p>You cannot log in until it is enabled again.</p>
<p>If you think this is a mistake, <a href="${p.siteLink}">contact ${env.appName}'s support</a>.</p>`,
    ),
  }),

  account_enabled: (env, p) => ({
    subject: `Your ${env.appName} account was enabled again`,
    text: lines(
      `Your ${env.appName} account was enabled again: you can log in with your password.`,
      '',
      `Log in: ${p.loginLink}`,
    ),
    html: layout(
      env,
      html`<p>Your ${env.appName} account was enabled again: you can log in with your password.</p>
<p><a href="${p.loginLink}">Log in</a></p>`,
    ),
  }),

  invitation: (env, p) =>
    actionEmail(env, {
      subject: `${p.inviter} invited you to ${p.scope} on ${env.appName}`,
      lead: `${p.inviter} invited you to join ${p.scope} on ${env.appName} as ${p.role}.`,
      action: 'See the invitation',
      link: p.link,
      validFor: p.validFor,
      ignore: 'If you do not want to join, ignore this email.',
    }),

  sign_in: (env, p) =>
    actionEmail(env, {
      subject: `Sign in to ${env.appName}`,
      lead: `Someone asked to sign in to your ${env.appName} account with this address. If it was you:`,
      action: 'Sign in',
      link: p.link,
      validFor: p.validFor,
      code: p.code,
      codeValidFor: p.codeValidFor,
      ignore: 'If you did not ask for this, ignore this email: nobody can sign in without it.',
    }),

  sign_in_new_account: (env, p) =>
    actionEmail(env, {
      subject: `Create your ${env.appName} account`,
      lead: `Someone asked to sign in to ${env.appName} with this address, which has no account yet. To create one and sign in:`,
      action: 'Create my account',
      link: p.link,
      validFor: p.validFor,
      code: p.code,
      codeValidFor: p.codeValidFor,
      ignore: 'If you did not ask for this, ignore this email: no account will be created.',
    }),

  action_code: (env, p) =>
    actionEmail(env, {
      subject: `Your ${env.appName} confirmation code`,
      lead: `Someone signed in to your ${env.appName} account asked to ${p.action}. If it was you, type this code:`,
      action: 'Confirm',
      validFor: p.codeValidFor,
      code: p.code,
      codeValidFor: p.codeValidFor,
      ignore:
        'If you did not ask for this, ignore this email and log out of your other devices: someone else may be signed in.',
    }),

  // RFC 8058 one-click unsubscribe: mail clients show an Unsubscribe button that POSTs
  // "List-Unsubscribe=One-Click" to the URL. It must be https in production (PUBLIC_URL), and the
  // page at that URL must unsubscribe on POST only, never on GET (scanners fetch links).
  newsletter: (env, p) => ({
    subject: p.subject,
    headers: {
      'List-Unsubscribe': `<${p.unsubscribeLink}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    text: lines(p.text, '', '--', `Unsubscribe from ${env.appName} newsletters: ${p.unsubscribeLink}`),
    html: layout(
      env,
      html`${p.html ? rawHtml(p.html) : html`<div style="white-space:pre-wrap">${p.text}</div>`}
<hr><p style="font-size:12px;color:#666"><a href="${p.unsubscribeLink}">Unsubscribe</a> from ${env.appName} newsletters.</p>`,
    ),
  }),
};

export function renderEmail<K extends EmailKind>(
  kind: K,
  env: TemplateEnv,
  params: EmailParams[K],
): RenderedEmail {
  const email = templates[kind](env, params);
  // A subject is one header line: a line break in a user-supplied value must not start another.
  return { ...email, subject: email.subject.replace(/[\r\n]+/g, ' ').trim() };
}

interface ActionEmail {
  subject: string;
  lead: string;
  action: string;
  /** Absent when the flow mails a code only. */
  link?: string | undefined;
  validFor: string;
  /** A one-time code to type instead: in the body (large in HTML), never in the subject. */
  code?: string | undefined;
  codeValidFor?: string | undefined;
  ignore: string;
}

function actionEmail(env: TemplateEnv, e: ActionEmail): RenderedEmail {
  if (e.code !== undefined) return codeEmail(env, { ...e, code: e.code });
  if (e.link === undefined) throw new TypeError('an action email needs a link or a code');
  return linkEmail(env, { ...e, link: e.link });
}

/**
 * An email with a code, and the link too when the flow sends both. The code is grouped 3+3 for
 * reading; the pages accept it with or without the space.
 */
function codeEmail(env: TemplateEnv, e: ActionEmail & { code: string }): RenderedEmail {
  const shown = e.code.length === 6 ? `${e.code.slice(0, 3)} ${e.code.slice(3)}` : e.code;
  const codeFor = e.codeValidFor ?? e.validFor;
  const text =
    e.link === undefined
      ? lines(
          e.lead,
          '',
          `Your code: ${shown}`,
          '',
          `The code works once and expires in ${codeFor}.`,
          e.ignore,
        )
      : lines(
          e.lead,
          '',
          e.link,
          '',
          `Or type this code: ${shown}`,
          '',
          `The link works once and expires in ${e.validFor}; the code expires in ${codeFor}.`,
          e.ignore,
        );
  const codeBlock = html`<p style="font-size:32px;font-weight:700;letter-spacing:6px;font-family:ui-monospace,monospace">${shown}</p>`;
  const body =
    e.link === undefined
      ? html`<p>${e.lead}</p>
<p>Your code:</p>
${codeBlock}
<p style="font-size:13px;color:#555">The code works once and expires in ${codeFor}. ${e.ignore}</p>`
      : html`<p>${e.lead}</p>
<p><a href="${e.link}" style="display:inline-block;padding:10px 16px;background:#1f4fd1;color:#fff;border-radius:6px;text-decoration:none">${e.action}</a></p>
<p>Or type this code:</p>
${codeBlock}
<p style="font-size:13px;color:#555">Or paste this address into your browser: ${e.link}</p>
<p style="font-size:13px;color:#555">The link works once and expires in ${e.validFor}; the code expires in ${codeFor}. ${e.ignore}</p>`;
  return { subject: e.subject, text, html: layout(env, body) };
}

function linkEmail(env: TemplateEnv, e: ActionEmail & { link: string }): RenderedEmail {
  return {
    subject: e.subject,
    text: lines(e.lead, '', e.link, '', `This link works once and expires in ${e.validFor}.`, e.ignore),
    html: layout(
      env,
      html`<p>${e.lead}</p>
<p><a href="${e.link}" style="display:inline-block;padding:10px 16px;background:#1f4fd1;color:#fff;border-radius:6px;text-decoration:none">${e.action}</a></p>
<p style="font-size:13px;color:#555">Or paste this address into your browser: ${e.link}</p>
<p style="font-size:13px;color:#555">This link works once and expires in ${e.validFor}. ${e.ignore}</p>`,
    ),
  };
}

function layout(env: TemplateEnv, body: SafeHtml): string {
  return html`<!doctype html>
<html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111;max-width:560px;margin:0 auto;padding:24px">
<p style="font-weight:600">${env.appName}</p>
${body}
</body></html>`.value;
}

/** The newsletter's own HTML, written by the app's operator, is trusted as given. */
function rawHtml(value: string): SafeHtml {
  return new SafeHtml(value);
}

function lines(...parts: string[]): string {
  return `${parts.join('\n')}\n`;
}
