import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { LOCALES } from '../src/i18n/locales.ts';
import { type EmailKind, type EmailParams, renderEmail, type TemplateEnv } from '../src/mail/templates.ts';
import { htmlImages, htmlLinks, htmlProblems, textLinks } from './helpers/html-check.ts';

const LINK = 'https://oto.test/action?token=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG&x=1';

/** Every kind, with the variants a flow can send: link only, code only, link and code. */
const SAMPLES: { [K in EmailKind]: EmailParams[K][] } = {
  verify_email: [
    { link: LINK, validFor: 86_400 },
    { validFor: 86_400, code: '123456', codeValidFor: 600 },
    { link: LINK, validFor: 86_400, code: '123456', codeValidFor: 600 },
  ],
  account_exists: [{ loginLink: 'https://oto.test/login', resetLink: 'https://oto.test/forgot-password' }],
  password_reset: [
    { link: LINK, validFor: 3600 },
    { validFor: 3600, code: '654321', codeValidFor: 600 },
    { link: LINK, validFor: 3600, code: '654321', codeValidFor: 600 },
  ],
  password_changed: [
    { resetLink: 'https://oto.test/forgot-password' },
    { resetLink: 'https://oto.test/forgot-password', keptThisSession: true },
  ],
  email_change: [{ link: LINK, validFor: 3600, newEmail: 'new@example.com' }],
  email_change_notice: [{ newEmail: 'new@example.com', resetLink: 'https://oto.test/forgot-password' }],
  account_deleted: [{ signUpLink: 'https://oto.test/signup' }],
  account_disabled: [{ siteLink: 'https://oto.test/' }],
  account_enabled: [{ loginLink: 'https://oto.test/login' }],
  invitation: [
    { link: LINK, validFor: 604_800, inviter: 'Ada <ada@example.com>', scope: 'Team & Co', role: 'member' },
  ],
  sign_in: [
    { link: LINK, validFor: 900 },
    { validFor: 900, code: '123456', codeValidFor: 600 },
  ],
  sign_in_new_account: [{ link: LINK, validFor: 900, code: '123456', codeValidFor: 600 }],
  action_code: [{ action: 'change_password', code: '123456', codeValidFor: 600 }],
  newsletter: [
    {
      subject: 'News',
      text: 'Hello, see https://oto.test/news',
      unsubscribeLink: 'https://oto.test/unsubscribe?token=u',
    },
  ],
};

const PLAIN = loadConfig({ DATABASE_URL: ':memory:' });
const BRANDED = loadConfig({
  DATABASE_URL: ':memory:',
  APP_NAME: 'Acme',
  BRAND_LOGO_URL: 'https://cdn.acme.test/logo.png',
  BRAND_COLOR: '#AA3300',
  SUPPORT_EMAIL: 'help@acme.test',
  LEGAL_FOOTER: 'Acme GmbH, Musterstraße 1, 10115 Berlin',
});

describe('email quality: every kind, every language, with and without branding', () => {
  for (const [label, config] of [
    ['plain', PLAIN],
    ['branded', BRANDED],
  ] as const) {
    for (const locale of LOCALES) {
      for (const kind of Object.keys(SAMPLES) as EmailKind[]) {
        test(`${kind} (${locale}, ${label}): well-formed HTML, no remote image but the logo, the same links as the text`, () => {
          const env: TemplateEnv = {
            appName: config.appName,
            locale,
            brand: config.presentation.brand,
            templates: config.presentation.templates,
          };
          for (const params of SAMPLES[kind]) {
            const email = renderEmail(kind, env, params as never);
            assert.deepEqual(htmlProblems(email.html), [], email.html);
            assert.match(email.html, new RegExp(`<html lang="${locale}">`));

            const images = htmlImages(email.html);
            const logo = config.presentation.brand.logoUrl;
            assert.deepEqual(images, logo === null ? [] : [logo], 'no image but the configured logo');

            assert.deepEqual(
              [...new Set(htmlLinks(email.html))].sort(),
              [...new Set(textLinks(email.text))].sort(),
              'the HTML and the text carry the same links',
            );
            const codeOnly = !Object.keys(params).some((key) => /link$/i.test(key));
            assert.equal(
              textLinks(email.text).length > 0,
              !codeOnly,
              'a link in the text unless the email is code-only',
            );

            if (config === BRANDED) {
              for (const part of [email.html, email.text]) {
                assert.ok(part.includes('help@acme.test'), 'the support address');
                assert.ok(part.includes('Musterstraße 1'), 'the legal footer');
              }
              if ('link' in params && params.link && kind !== 'email_change_notice')
                assert.match(email.html, /background:#aa3300/, 'the button in BRAND_COLOR');
            }
          }
        });
      }
    }
  }
});

describe('the structural check itself', () => {
  test('finds an unclosed element, a misnested one, an unquoted attribute and a missing doctype', () => {
    assert.deepEqual(htmlProblems('<!doctype html>\n<html><head></head><body><p>ok</p></body></html>'), []);
    assert.match(
      htmlProblems('<!doctype html>\n<html><head></head><body><p>open</body></html>').join(),
      /closes <p>/,
    );
    assert.match(
      htmlProblems('<!doctype html>\n<html><head></head><body><a href=x>y</a></body></html>').join(),
      /malformed tag/,
    );
    assert.match(htmlProblems('<html><head></head><body></body></html>').join(), /doctype/);
    assert.deepEqual(
      htmlImages('<img src="https://evil.test/p.gif"><p style="background:url(https://t.test/x)">'),
      ['https://evil.test/p.gif', 'https://t.test/x'],
    );
  });
});
