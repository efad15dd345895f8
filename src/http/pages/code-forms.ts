import { html, type SafeHtml } from '../../html.ts';
import type { Words } from '../../i18n/locales.ts';
import { type FieldErrors, field, notice } from './forms.ts';

/**
 * "Enter the code instead": the form of the pages whose flow accepts an emailed code
 * (VERIFY_EMAIL_METHOD, RESET_PASSWORD_METHOD). The code field brings up the digits keyboard on a
 * phone and lets the mail app offer the code (autocomplete=one-time-code); a code pasted with its
 * space ("123 456") is accepted as typed (normalizeCode in src/tokens/code-format.ts).
 */

export interface CodeFormOptions {
  action: string;
  button: string;
  values?: { email?: string };
  errors?: FieldErrors;
  /** Fields after the code, e.g. the new password of a reset. */
  extra?: SafeHtml;
  /** Shown above the form, e.g. after a refused code. */
  message?: SafeHtml;
}

export function codeForm(w: Words, options: CodeFormOptions): SafeHtml {
  const errors = options.errors ?? {};
  return html`<section id="code" aria-labelledby="code-heading">
<h2 id="code-heading">${w.t('code.heading')}</h2>
${options.message ?? ''}
<form method="post" action="${options.action}" novalidate>
${field({ name: 'email', label: w.t('field.email'), type: 'email', value: options.values?.email, autocomplete: 'email', errors: errors['email'] })}
${field({ name: 'code', label: w.t('field.code'), inputmode: 'numeric', autocomplete: 'one-time-code', hint: w.t('field.codeHint'), errors: errors['code'] })}
${options.extra ?? ''}
<button type="submit">${options.button}</button>
</form>
</section>`;
}

/** What a refused code says: the same words whatever the reason, as the API's code_invalid. */
export function refusedCodeNotice(w: Words): SafeHtml {
  return notice('bad', w.t('code.refused'));
}
