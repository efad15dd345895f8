import type { SafeHtml } from '../html.ts';
import { type Catalogue, checkCatalogue, lookup, lookupHtml, type MessageKey } from './catalogue.ts';
import { de } from './de.ts';
import { en } from './en.ts';

/**
 * The languages oto speaks, and the words of one language bound for a page or an email:
 *
 *   const w = words('de');
 *   w.t('logIn.title')                          // "Anmelden"
 *   w.html('signUp.haveAccount', { logIn: html`<a href="/login">…</a>` })
 *   w.duration(3600)                            // "1 Stunde"
 */

export const LOCALES = ['en', 'de'] as const;
export type Locale = (typeof LOCALES)[number];

const CATALOGUES: Readonly<Record<Locale, Catalogue>> = { en, de };
for (const [locale, catalogue] of Object.entries(CATALOGUES)) checkCatalogue(locale, catalogue);

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** A tag oto speaks, by its language: 'de-AT' is 'de'; undefined for one it does not. */
export function supportedLocale(tag: string): Locale | undefined {
  const language = tag.toLowerCase().split('-')[0];
  return isLocale(language) ? language : undefined;
}

type Values = Readonly<Record<string, string | number | SafeHtml>>;

export interface Words {
  readonly locale: Locale;
  t(key: MessageKey, values?: Values): string;
  html(key: MessageKey, values?: Values): SafeHtml;
  /** Seconds as the largest whole unit: "1 hour", "7 Tagen"; a whole day reads "24 hours". */
  duration(seconds: number): string;
  /** A day, as the reader's language writes it, in UTC. */
  date(at: number): string;
  /** A day and time to the minute, in UTC, said as such: the server does not know the reader's zone. */
  dateTime(at: number): string;
  /** HH:MM in UTC. */
  time(at: number): string;
}

const cache = new Map<Locale, Words>();

export function words(locale: Locale): Words {
  let found = cache.get(locale);
  if (found === undefined) {
    found = build(locale);
    cache.set(locale, found);
  }
  return found;
}

function build(locale: Locale): Words {
  const catalogue = CATALOGUES[locale];
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const dayTime = new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  });
  const clock = new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'UTC',
  });
  const t = (key: MessageKey, values?: Values) => lookup(catalogue, locale, key, values);
  return {
    locale,
    t,
    html: (key, values) => lookupHtml(catalogue, locale, key, values),
    duration(seconds) {
      const units = [
        [86_400, 'duration.day'],
        [3_600, 'duration.hour'],
        [60, 'duration.minute'],
      ] as const;
      for (const [size, key] of units) {
        if (seconds >= size && seconds % size === 0) {
          const count = seconds / size;
          // "24 hours" reads better than "1 day" for a link's lifetime (and is what English always said).
          if (key === 'duration.day' && count === 1) return t('duration.hour', { count: 24 });
          return t(key, { count });
        }
      }
      return t('duration.second', { count: seconds });
    },
    date: (at) => day.format(at),
    dateTime: (at) => `${dayTime.format(at)} UTC`,
    time: (at) => `${clock.format(at)} UTC`,
  };
}
