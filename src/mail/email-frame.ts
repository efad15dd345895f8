import { type Brand, DEFAULT_BRAND_COLOR } from '../config/presentation.ts';
import { html, type SafeHtml } from '../html.ts';
import { type Locale, type Words, words } from '../i18n/locales.ts';
import { renderTemplate, type TemplateValues } from '../templates/engine.ts';
import { findEmailTemplate, type TemplateSet } from '../templates/load.ts';
import type { EmailTemplateName } from '../templates/variables.ts';

/**
 * What every email shares: the frame (name or logo, the body, support address and legal footer),
 * the bodies of a link or a code, and the operator's files, which replace a kind's subject, HTML
 * or text when TEMPLATES_DIR has one (src/templates/load.ts found and checked them at start-up).
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
  /** The recipient's language; English when absent. */
  locale?: Locale;
  brand?: Brand;
  templates?: TemplateSet;
}

/** A kind's built-in email before its frame: `body` is the inside of the HTML. */
export interface Built {
  subject: string;
  text: string;
  body: SafeHtml;
  headers?: Record<string, string>;
}

export function finish(
  kind: string,
  env: TemplateEnv,
  params: Record<string, unknown>,
  build: (w: Words) => Built,
): RenderedEmail {
  const w = words(env.locale ?? 'en');
  const built = build(w);
  const name = kind.replaceAll('_', '-') as EmailTemplateName;
  const find = (part: 'subject' | 'html' | 'text') =>
    env.templates && findEmailTemplate(env.templates, w.locale, name, part);
  const subjectFile = find('subject');
  const htmlFile = find('html');
  const textFile = find('text');
  // Only an operator's file needs the values by name (and most emails have none).
  const values =
    subjectFile || htmlFile || textFile ? { ...brandValues(env, w), ...templateValues(params, w) } : {};
  const subject = subjectFile ? renderTemplate(subjectFile, values, 'text') : built.subject;
  const email: RenderedEmail = {
    // A subject is one header line: a line break in a user-supplied value must not start another.
    subject: subject.replace(/[\r\n]+/g, ' ').trim(),
    text: textFile
      ? renderTemplate(textFile, { ...values, content: built.text }, 'text')
      : textFrame(env, w, built.text),
    html: htmlFile
      ? renderTemplate(htmlFile, { ...values, content: built.body }, 'html')
      : htmlFrame(env, w, built.body),
  };
  return built.headers ? { ...email, headers: built.headers } : email;
}

function brandValues(env: TemplateEnv, w: Words): TemplateValues {
  return {
    appName: env.appName,
    logoUrl: env.brand?.logoUrl ?? null,
    brandColor: color(env),
    supportEmail: env.brand?.supportEmail ?? null,
    legalFooter: env.brand?.legalFooter ?? null,
    locale: w.locale,
  };
}

/** A kind's parameters as an operator's template sees them: durations in words. */
function templateValues(params: Record<string, unknown>, w: Words): TemplateValues {
  const values: Record<string, string | boolean | null> = {};
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'number') values[key] = w.duration(value);
    else if (typeof value === 'string' || typeof value === 'boolean') values[key] = value;
    else values[key] = null;
  }
  return values;
}

const color = (env: TemplateEnv) => env.brand?.color ?? DEFAULT_BRAND_COLOR;
const said = (w: Words, validFor: number | string) =>
  typeof validFor === 'number' ? w.duration(validFor) : validFor;

export function linkBody(
  env: TemplateEnv,
  w: Words,
  e: { lead: string; action: string; link: string; validFor: number | string },
  ignore: string,
): Omit<Built, 'subject'> {
  const expires = w.t('email.linkExpires', { validFor: said(w, e.validFor) });
  return {
    text: lines(e.lead, '', e.link, '', expires, ignore),
    body: html`<p>${e.lead}</p>
${button(env, e.link, e.action)}
<p style="font-size:13px;color:#555">${w.t('email.pasteLink', { link: e.link })}</p>
<p style="font-size:13px;color:#555">${expires} ${ignore}</p>`,
  };
}

/**
 * An email with a code, and the link too when the flow sends both. The code is grouped 3+3 for
 * reading; the pages accept it with or without the space. Never in the subject.
 */
export function codeBody(
  env: TemplateEnv,
  w: Words,
  e: {
    lead: string;
    action: string;
    link?: string | undefined;
    validFor: number | string;
    code: string;
    codeValidFor: number | string;
  },
  ignore: string,
): Omit<Built, 'subject'> {
  const code = e.code.length === 6 ? `${e.code.slice(0, 3)} ${e.code.slice(3)}` : e.code;
  const codeValidFor = said(w, e.codeValidFor);
  const codeBlock = html`<p style="font-size:32px;font-weight:700;letter-spacing:6px;font-family:ui-monospace,monospace">${code}</p>`;
  if (e.link === undefined) {
    const expires = w.t('email.codeExpires', { codeValidFor });
    return {
      text: lines(e.lead, '', w.t('email.yourCode', { code }), '', expires, ignore),
      body: html`<p>${e.lead}</p>
<p>${w.t('email.yourCodeLabel')}</p>
${codeBlock}
<p style="font-size:13px;color:#555">${expires} ${ignore}</p>`,
    };
  }
  const expires = w.t('email.bothExpire', { validFor: said(w, e.validFor), codeValidFor });
  return {
    text: lines(e.lead, '', e.link, '', w.t('email.orTypeCode', { code }), '', expires, ignore),
    body: html`<p>${e.lead}</p>
${button(env, e.link, e.action)}
<p>${w.t('email.orTypeCodeLabel')}</p>
${codeBlock}
<p style="font-size:13px;color:#555">${w.t('email.pasteLink', { link: e.link })}</p>
<p style="font-size:13px;color:#555">${expires} ${ignore}</p>`,
  };
}

function button(env: TemplateEnv, link: string, label: string): SafeHtml {
  return html`<p><a href="${link}" style="display:inline-block;padding:10px 16px;background:${color(env)};color:#fff;border-radius:6px;text-decoration:none">${label}</a></p>`;
}

/** The logo is the only image an email may load, and only when BRAND_LOGO_URL says where. */
function htmlFrame(env: TemplateEnv, w: Words, body: SafeHtml): string {
  const brand = env.brand;
  const heading = brand?.logoUrl
    ? html`<p><img src="${brand.logoUrl}" alt="${env.appName}" height="32" style="height:32px"></p>`
    : html`<p style="font-weight:600">${env.appName}</p>`;
  const footer = [
    brand?.supportEmail ? w.t('email.support', { supportEmail: brand.supportEmail }) : '',
    brand?.legalFooter ?? '',
  ].filter(Boolean);
  return html`<!doctype html>
<html lang="${w.locale}"><head><meta charset="utf-8"><title>${env.appName}</title></head><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111;max-width:560px;margin:0 auto;padding:24px">
${heading}
${body}
${footer.length > 0 ? html`<hr><p style="font-size:12px;color:#666">${footer.map((line, i) => html`${i > 0 ? html`<br>` : ''}${line}`)}</p>` : ''}
</body></html>`.value;
}

function textFrame(env: TemplateEnv, w: Words, text: string): string {
  const brand = env.brand;
  const footer = [
    brand?.supportEmail ? w.t('email.support', { supportEmail: brand.supportEmail }) : '',
    brand?.legalFooter ?? '',
  ].filter(Boolean);
  return footer.length === 0 ? text : `${text}\n--\n${footer.join('\n')}\n`;
}

export function lines(...parts: string[]): string {
  return `${parts.join('\n')}\n`;
}
