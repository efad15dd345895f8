import { isLocale, LOCALES, type Locale } from './locales.ts';

/**
 * Accept-Language (RFC 9110 §12.5.4): `de-CH, de;q=0.9, en;q=0.5, *;q=0.1`. The supported language
 * with the highest weight wins; among equal weights the one listed first. A tag matches its
 * language ("de-AT" is German), `*` matches the fallback, and q=0 rules a language out.
 * Malformed entries are skipped, never an error: the header is the browser's, not the user's.
 */
export function negotiateLocale(header: string | undefined, fallback: Locale): Locale | null {
  if (header === undefined || header.length > 1000) return null;
  let best: { locale: Locale; q: number } | null = null;
  const refused = new Set<Locale>();
  for (const entry of header.split(',')) {
    const [rawTag, ...params] = entry.trim().split(';');
    const tag = rawTag?.trim().toLowerCase() ?? '';
    if (!/^(\*|[a-z]{1,8}(-[a-z0-9]{1,8})*)$/.test(tag)) continue;
    const q = weight(params);
    if (q === null) continue;
    const language = tag.split('-')[0];
    const locale = tag === '*' ? fallback : isLocale(language) ? language : null;
    if (locale === null) continue;
    if (q === 0) {
      // "de-AT;q=0" refuses Austrian German only; "de;q=0" (or "*;q=0") all of it.
      if (!tag.includes('-')) refused.add(locale);
      continue;
    }
    if (best === null || q > best.q) best = { locale, q };
  }
  if (best === null) return null;
  // `*` stood for the fallback, which a q=0 entry may have ruled out: then any other one.
  if (refused.has(best.locale)) return LOCALES.find((l) => !refused.has(l)) ?? null;
  return best.locale;
}

function weight(params: string[]): number | null {
  let q = 1;
  for (const param of params) {
    const match = /^\s*q\s*=\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$/i.exec(param);
    if (match?.[1] !== undefined) q = Number(match[1]);
    else if (/^\s*q\s*=/i.test(param)) return null;
  }
  return q;
}
