import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config.ts';
import { isLocale, LOCALES, type Locale } from '../i18n/locales.ts';
import { renderSample } from '../mail/samples.ts';
import { EMAIL_KINDS, type EmailKind, isEmailKind } from '../mail/templates.ts';
import { exitWith } from './exit.ts';

export interface PreviewOptions {
  locale?: string;
  out: string;
}

/**
 * `oto templates preview KIND --locale de --out DIR`: writes KIND.LOCALE.html and KIND.LOCALE.txt
 * with sample values, rendered as the outbox would (TEMPLATES_DIR, branding, the language), and
 * prints each subject and file. KIND is a kind (verify_email or verify-email) or `all`; without
 * --locale every language is written.
 */
export function previewCommand(config: Config, kind: string, options: PreviewOptions): void {
  const kinds = kind === 'all' ? EMAIL_KINDS : [emailKind(kind)];
  const locales: readonly Locale[] = options.locale === undefined ? LOCALES : [locale(options.locale)];
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  for (const each of kinds) {
    for (const language of locales) {
      const email = renderSample(config, each, language);
      const base = join(out, `${each.replaceAll('_', '-')}.${language}`);
      writeFileSync(`${base}.html`, email.html);
      writeFileSync(`${base}.txt`, `Subject: ${email.subject}\n\n${email.text}`);
      process.stdout.write(`${each} ${language}: ${email.subject}\n  ${base}.html\n  ${base}.txt\n`);
    }
  }
}

function emailKind(value: string): EmailKind {
  const kind = value.replaceAll('-', '_');
  if (!isEmailKind(kind))
    exitWith(`oto: unknown email kind "${value}"; one of: all, ${EMAIL_KINDS.join(', ')}`);
  return kind;
}

function locale(value: string): Locale {
  if (!isLocale(value)) exitWith(`oto: unknown locale "${value}"; one of: ${LOCALES.join(', ')}`);
  return value;
}
