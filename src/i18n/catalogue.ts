import { escapeHtml, SafeHtml } from '../html.ts';
import { en } from './en.ts';

/**
 * The message catalogues and their lookup. English (en.ts) is the source of truth: the Catalogue
 * type is read off it, so every other language has the same keys, and the same plural shape per
 * key, or `tsc` fails; checkCatalogue says the same at run time (for a catalogue built from
 * JSON, say), and runs for every catalogue when this module loads.
 */

type Shape<T> = T extends string ? string : { readonly [F in keyof T]: string };
/** The type of a catalogue (or part of one) with the keys, and plural shapes, of an English one. */
export type CatalogueOf<T> = { readonly [K in keyof T]: Shape<T[K]> };
export type Catalogue = CatalogueOf<typeof en>;
export type MessageKey = keyof Catalogue;
type Values = Readonly<Record<string, string | number | SafeHtml>>;

/** Which keys English has that `catalogue` lacks, or has with another shape. */
export function missingKeys(catalogue: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(en)
    .filter(([key, value]) => {
      const theirs = catalogue[key];
      if (typeof value === 'string') return typeof theirs !== 'string';
      return (
        typeof theirs !== 'object' ||
        theirs === null ||
        Object.keys(value).some((form) => typeof (theirs as Record<string, unknown>)[form] !== 'string')
      );
    })
    .map(([key]) => key);
}

export function checkCatalogue(locale: string, catalogue: Readonly<Record<string, unknown>>): void {
  const missing = missingKeys(catalogue);
  if (missing.length > 0)
    throw new Error(`catalogue ${locale} lacks ${missing.length} key(s) English has: ${missing.join(', ')}`);
}

/** The words for one key in one language, `{name}`s filled in; plain text, for the html template. */
export function lookup(catalogue: Catalogue, locale: string, key: MessageKey, values: Values = {}): string {
  return fill(pick(catalogue, locale, key, values), values, (text) => text, String);
}

/**
 * The same as HTML: the words are escaped, and so is every value but SafeHtml, which lets a
 * sentence carry a link: `{logIn}` filled with html`<a href="/login">…</a>`.
 */
export function lookupHtml(
  catalogue: Catalogue,
  locale: string,
  key: MessageKey,
  values: Values = {},
): SafeHtml {
  return new SafeHtml(
    fill(pick(catalogue, locale, key, values), values, escapeHtml, (value) =>
      value instanceof SafeHtml ? value.value : escapeHtml(value),
    ),
  );
}

function pick(catalogue: Catalogue, locale: string, key: MessageKey, values: Values): string {
  const entry = catalogue[key];
  if (typeof entry === 'string') return entry;
  const count = values['count'];
  if (typeof count !== 'number') throw new TypeError(`message ${key} needs a numeric count`);
  const forms = entry as Readonly<Record<string, string>>;
  return forms[pluralRules(locale).select(count)] ?? forms['other'] ?? '';
}

// Making an Intl.PluralRules costs some 50 µs, more than the rest of an email: one per language.
const plurals = new Map<string, Intl.PluralRules>();
function pluralRules(locale: string): Intl.PluralRules {
  let rules = plurals.get(locale);
  if (rules === undefined) {
    rules = new Intl.PluralRules(locale);
    plurals.set(locale, rules);
  }
  return rules;
}

function fill(
  template: string,
  values: Values,
  text: (part: string) => string,
  value: (v: string | number | SafeHtml) => string,
): string {
  let out = '';
  partsOf(template).forEach((part, i) => {
    // Odd places hold the names of values, even places the words between them.
    if (i % 2 === 0) {
      out += text(part);
      return;
    }
    const given = values[part];
    if (given === undefined) throw new TypeError(`message value {${part}} is missing`);
    out += value(given);
  });
  return out;
}

/** A message split once into words and value names: `a {b} c` is ['a ', 'b', ' c']. */
const parsed = new Map<string, readonly string[]>();
function partsOf(template: string): readonly string[] {
  let parts = parsed.get(template);
  if (parts === undefined) {
    parts = template.split(/\{([a-zA-Z]+)\}/);
    parsed.set(template, parts);
  }
  return parts;
}
