import type { MessageKey } from '../../i18n/catalogue.ts';
import type { Words } from '../../i18n/locales.ts';

/**
 * Why the flows refused a field (InputError.message, which the API returns as it is, in English),
 * said in the page's language. The flows' reasons are a short, closed list (src/accounts/input.ts,
 * passwords.ts, users.ts); one this table does not know is shown as the flow wrote it.
 */
const REASONS: readonly [RegExp, MessageKey, readonly string[]][] = [
  [/^is required$/, 'reason.required', []],
  [/^is not a valid email address$/, 'reason.invalidEmail', []],
  [/^must be at most (\d+) characters long$/, 'reason.maxChars', ['max']],
  [/^must be at most (\d+) bytes long$/, 'reason.maxBytes', ['max']],
  [/^must be at least (\d+) characters long \(it has (\d+)\)$/, 'reason.tooShort', ['min', 'length']],
  [/^is one of the most common passwords, which attackers try first$/, 'reason.common', []],
  [/^repeats one or two characters, which attackers try first$/, 'reason.repeats', []],
  [/^must not contain your email address$/, 'reason.containsEmail', []],
  [/^must not contain the name of this service \((.*)\)$/, 'reason.containsAppName', ['appName']],
  [/^is already the email of your account$/, 'reason.sameEmail', []],
  [/^must be one of (.*)$/, 'reason.oneOf', ['list']],
];

export function localReason(w: Words, reason: string): string {
  if (w.locale === 'en') return reason;
  for (const [pattern, key, names] of REASONS) {
    const match = pattern.exec(reason);
    if (match === null) continue;
    return w.t(key, Object.fromEntries(names.map((name, i) => [name, match[i + 1] ?? ''])));
  }
  return reason;
}
