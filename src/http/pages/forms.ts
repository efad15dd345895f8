import type { FastifyReply } from 'fastify';
import type { InputError } from '../../accounts/input.ts';
import type { Cooldown } from '../../accounts/login-throttle.ts';
import type { Config } from '../../config/config.ts';
import { html, type SafeHtml } from '../../html.ts';
import type { Words } from '../../i18n/locales.ts';
import type { ConsumeFailure } from '../../tokens/tokens.ts';
import { type TokenProblemCode, tokenProblemCode } from '../problem.ts';
import { localReason } from './reasons.ts';

/**
 * Form pieces for server-rendered pages. Every field has a label; errors are tied to their field
 * with aria-describedby; values are echoed back (escaped) after a validation error. Password
 * fields are never echoed.
 */

export type FieldErrors = Record<string, string[] | undefined>;

export interface FieldOptions {
  name: string;
  /** Defaults to f-<name>; set it when two forms of a page share a field name. */
  id?: string;
  label: string;
  type?: 'email' | 'password' | 'text';
  value?: string;
  autocomplete?: string;
  hint?: string;
  errors?: string[];
  required?: boolean;
  /** The keyboard a phone shows: 'numeric' for one-time codes. */
  inputmode?: 'numeric';
}

export function field(options: FieldOptions): SafeHtml {
  const id = options.id ?? `f-${options.name}`;
  const errors = options.errors ?? [];
  const type = options.type ?? 'text';
  const value = type === 'password' ? '' : (options.value ?? '');
  const hint = options.hint ? html`<span class="hint" id="${id}-hint">${options.hint}</span>` : '';
  const errorList =
    errors.length > 0
      ? html`<span class="error" id="${id}-error">${errors.map((e, i) => html`${i > 0 ? ' ' : ''}${sentence(options.label, e)}`)}</span>`
      : '';
  const describedBy = [options.hint ? `${id}-hint` : '', errors.length > 0 ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return html`<label for="${id}">${options.label}${hint}</label>
<input id="${id}" name="${options.name}" type="${type}" value="${value}"${options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''}${options.inputmode ? html` inputmode="${options.inputmode}"` : ''}${options.required === false ? '' : html` required`}${errors.length > 0 ? html` aria-invalid="true"` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}>
${errorList}`;
}

/** "Password must be at least 15 characters long." from a field's label and a reason. */
function sentence(label: string, reason: string): string {
  return `${label} ${reason}.`;
}

export function notice(kind: 'good' | 'bad' | 'info', message: SafeHtml | string): SafeHtml {
  return html`<p class="notice ${kind === 'info' ? '' : kind}" role="${kind === 'bad' ? 'alert' : 'status'}">${message}</p>`;
}

/** A form with one button and hidden fields, e.g. "Confirm my email" or "Log out". */
export function buttonForm(
  action: string,
  label: string,
  hidden: Record<string, string> = {},
  secondary = false,
): SafeHtml {
  return html`<form method="post" action="${action}">
${Object.entries(hidden).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<button type="submit"${secondary ? html` class="secondary"` : ''}>${label}</button>
</form>`;
}

/** Reads a urlencoded form field as one string: absent or repeated fields become ''. */
export function formString(body: unknown, name: string): string {
  if (body === null || typeof body !== 'object') return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

/** The hint under every field that sets a new password. */
export function passwordHint(config: Config, w: Words): string {
  return w.t('field.passwordHint', { minLength: config.passwords.minLength });
}

/** The flow's input errors, grouped by field for `field({ errors })`, in the page's language. */
export function byField(errors: InputError[], w: Words): FieldErrors {
  const grouped: Record<string, string[]> = {};
  for (const { field: name, message } of errors)
    grouped[name] = [...(grouped[name] ?? []), localReason(w, message)];
  return grouped;
}

/** Reads a query parameter as one string: absent or repeated parameters become ''. */
export function queryString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** What a form that checks a password says when the login throttle refuses the check. */
export function cooldownNotice(reply: FastifyReply, cooldown: Cooldown, w: Words): SafeHtml {
  reply.header('retry-after', String(cooldown.retryAfterSeconds));
  const wait = cooldown.untilReset
    ? w.t('cooldown.untilReset')
    : w.t('cooldown.wait', { count: Math.ceil(cooldown.retryAfterSeconds / 60) });
  return html`${notice('bad', wait)}
<p>${w.html('cooldown.forgot', { resetIt: html`<a href="/forgot-password">${w.t('cooldown.resetIt')}</a>` })}</p>`;
}

/**
 * What a page says about a link it cannot use, one sentence for each token error the API would answer
 * (tokenProblemCode in problem.ts decides which): each kind of link has its own words.
 */
export type LinkWords = Readonly<Record<TokenProblemCode, string>>;

export function linkMessage(reason: ConsumeFailure, words: LinkWords): string {
  return words[tokenProblemCode(reason)];
}

/** The words for a verification or reset link, in the page's language. */
export function accountLinkWords(w: Words): LinkWords {
  return {
    token_used: w.t('link.used'),
    token_expired: w.t('link.expired'),
    token_revoked: w.t('link.revoked'),
    token_superseded: w.t('link.superseded'),
    token_invalid: w.t('link.invalid'),
  };
}
