import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkCatalogue, missingKeys } from '../src/i18n/catalogue.ts';
import { de } from '../src/i18n/de.ts';
import { en } from '../src/i18n/en.ts';
import { LOCALES, words } from '../src/i18n/locales.ts';
import { negotiateLocale } from '../src/i18n/negotiate.ts';

describe('catalogues', () => {
  test('German has every key English has, with the same plural shape', () => {
    assert.deepEqual(missingKeys(de), []);
    assert.equal(Object.keys(de).length, Object.keys(en).length);
  });

  test('a catalogue lacking a key, or with a plain string where English has plural forms, is refused', () => {
    const { 'logIn.title': _, ...lacking } = de;
    assert.deepEqual(missingKeys(lacking), ['logIn.title']);
    assert.throws(
      () => checkCatalogue('xx', lacking),
      /catalogue xx lacks 1 key\(s\) English has: logIn\.title/,
    );
    const flat = { ...de, 'duration.hour': '{count} Stunden' };
    assert.deepEqual(missingKeys(flat), ['duration.hour']);
    const halfPlural = { ...de, 'cooldown.wait': { other: 'x' } };
    assert.deepEqual(missingKeys(halfPlural), ['cooldown.wait']);
  });

  test('every value a message names is given: a missing one is a bug, not an empty string', () => {
    for (const locale of LOCALES) {
      assert.throws(() => words(locale).t('home.welcome'), /message value \{appName\} is missing/);
    }
  });

  test('plurals by Intl.PluralRules, durations in the largest whole unit, a day as 24 hours', () => {
    const english = words('en');
    const german = words('de');
    assert.equal(english.duration(3600), '1 hour');
    assert.equal(english.duration(7200), '2 hours');
    assert.equal(english.duration(86_400), '24 hours');
    assert.equal(english.duration(604_800), '7 days');
    assert.equal(english.duration(600), '10 minutes');
    assert.equal(english.duration(90), '90 seconds');
    assert.equal(german.duration(3600), '1 Stunde');
    assert.equal(german.duration(86_400), '24 Stunden');
    assert.equal(german.duration(604_800), '7 Tagen');
    assert.equal(german.duration(60), '1 Minute');
    assert.equal(
      german.t('security.othersRevoked', { count: 1 }),
      'Von allen anderen Geräten abgemeldet (1 Sitzung).',
    );
    assert.equal(
      english.t('security.othersRevoked', { count: 3 }),
      'Logged out of all other devices (3 sessions).',
    );
  });

  test('dates and times by Intl.DateTimeFormat, in UTC, said as such', () => {
    const at = Date.UTC(2026, 11, 7, 14, 5);
    assert.equal(words('en').time(at), '14:05 UTC');
    assert.equal(words('de').date(at), '07.12.2026');
    assert.match(words('de').dateTime(at), /^07\.12\.2026, 14:05 UTC$/);
    assert.match(words('en').date(at), /^Dec 7, 2026$/);
  });

  test("HTML lookups escape the words and plain values but keep oto's own markup", async () => {
    const { html } = await import('../src/html.ts');
    const out = words('en').html('home.signedIn', { email: '<b>x@y</b>' }).value;
    assert.equal(out, 'You are logged in as &lt;b&gt;x@y&lt;/b&gt;.');
    const linked = words('de').html('signUp.haveAccount', {
      logIn: html`<a href="/login">Anmelden</a>`,
    }).value;
    assert.equal(linked, 'Sie haben schon ein Konto? <a href="/login">Anmelden</a>.');
  });
});

describe('Accept-Language', () => {
  const pick = (header: string | undefined) => negotiateLocale(header, 'en');
  test('the supported language with the highest weight wins; ties go to the first listed', () => {
    assert.equal(pick('de'), 'de');
    assert.equal(pick('de-CH, en;q=0.5'), 'de');
    assert.equal(pick('fr-FR, fr;q=0.9, de;q=0.7, en;q=0.6'), 'de');
    assert.equal(pick('en;q=0.4, de;q=0.8'), 'de');
    assert.equal(pick('en, de'), 'en');
    assert.equal(pick('DE-at'), 'de');
  });
  test('nothing supported, nothing sent or nonsense: no choice (the caller falls back)', () => {
    assert.equal(pick(undefined), null);
    assert.equal(pick(''), null);
    assert.equal(pick('fr, it;q=0.5'), null);
    assert.equal(pick('de;q=abc'), null);
    assert.equal(pick('de;q=1.5'), null);
    assert.equal(pick('<script>, ;;;, =='), null);
    assert.equal(pick('x'.repeat(2000)), null);
  });
  test('q=0 rules a language out; * stands for the fallback, or any other one when that is ruled out', () => {
    assert.equal(pick('de;q=0, en;q=0.1'), 'en');
    assert.equal(pick('*'), 'en');
    assert.equal(pick('fr, *;q=0.1'), 'en');
    assert.equal(pick('en;q=0, *'), 'de');
    assert.equal(negotiateLocale('*', 'de'), 'de');
    assert.equal(pick('de-AT;q=0, de'), 'de', 'refusing one region keeps the language');
  });
});
