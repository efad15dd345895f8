import { html, type SafeHtml } from '../../html.ts';
import type { ConsumeFailure } from '../../tokens/tokens.ts';

/**
 * Form pieces for server-rendered pages. Every field has a label; errors are tied to their field
 * with aria-describedby; values are echoed back (escaped) after a validation error. Password
 * fields are never echoed.
 */

export type FieldErrors = Record<string, string[] | undefined>;

export interface FieldOptions {
  name: string;
  label: string;
  type?: 'email' | 'password' | 'text';
  value?: string;
  autocomplete?: string;
  hint?: string;
  errors?: string[];
  required?: boolean;
}

export function field(options: FieldOptions): SafeHtml {
  const id = `f-${options.name}`;
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
<input id="${id}" name="${options.name}" type="${type}" value="${value}"${options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''}${options.required === false ? '' : html` required`}${errors.length > 0 ? html` aria-invalid="true"` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}>
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

/**
 * What a page says about a link it cannot use. `revokedBecause` names what makes this kind of link
 * void, e.g. "a newer one was sent, or the account changed since".
 */
export function linkMessage(reason: ConsumeFailure, revokedBecause: string): string {
  switch (reason) {
    case 'used':
      return 'This link has already been used.';
    case 'expired':
      return 'This link has expired.';
    case 'revoked':
    case 'binding':
      return `This link is no longer valid: ${revokedBecause}.`;
    default:
      return 'This link is not valid. Check that you copied all of it.';
  }
}
