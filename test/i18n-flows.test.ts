import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { PUBLIC_URL, startTestApp, type TestApp } from './helpers/app.ts';
import { KEY_A } from './helpers/flows.ts';
import { type Inbox, pathOf, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';

const PASSWORD = 'correct horse battery staple';

for (const { dialect, skip } of DIALECTS) {
  describe(`languages on ${dialect}: emails in the recipient's, pages in the reader's`, { skip }, () => {
    let inbox: Inbox;
    let t: TestApp;

    before(async () => {
      inbox = await startInbox();
    });
    after(() => inbox?.close());
    beforeEach(async () => {
      inbox.smtp.clear();
      t = await startTestApp(dialect, { ...inbox.env });
    });
    afterEach(() => t?.close());

    const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'POST', url, payload, headers });
    const form = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: 'POST',
        url,
        payload: new URLSearchParams(fields).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL, ...headers },
      });
    const storedLocale = async (email: string) =>
      (
        await t.ctx.db
          .selectFrom('users')
          .select('locale')
          .where('email', '=', email)
          .executeTakeFirstOrThrow()
      ).locale;

    /** Signs up (with the given body extras and headers), confirms the address, logs in: the session cookie. */
    async function verifiedUser(email: string, extra: object = {}, headers: Record<string, string> = {}) {
      assert.equal(
        (await post('/v1/users', { email, password: PASSWORD, ...extra }, headers)).statusCode,
        202,
      );
      const link = tokenLink(await inbox.last(t.ctx, email, 'verify_email'));
      assert.equal((await post('/v1/users/verify', { token: tokenOf(link) })).statusCode, 200);
      const login = await post('/v1/sessions', { email, password: PASSWORD });
      assert.equal(login.statusCode, 200);
      const cookie = login.cookies.find((c) => c.name === t.config.sessions.cookieName);
      assert.ok(cookie);
      return { [cookie.name]: cookie.value };
    }

    test('a German sign-up gets its verification and reset emails in German, with German durations', async () => {
      const email = 'anna@example.de';
      await verifiedUser(email, { locale: 'de' });
      assert.equal(await storedLocale(email), 'de');

      const verification = await inbox.last(t.ctx, email, 'verify_email');
      assert.equal(verification.subject, 'Bestätigen Sie Ihre E-Mail-Adresse für oto');
      assert.match(verification.text, /Dieser Link funktioniert einmal und läuft in 24 Stunden ab\./);
      assert.match(verification.html, /<html lang="de">/);
      assert.match(verification.html, />E-Mail-Adresse bestätigen</);
      assert.doesNotMatch(verification.text, /Confirm|expires/);

      assert.equal((await post('/v1/password-resets', { email })).statusCode, 202);
      const reset = await inbox.last(t.ctx, email, 'password_reset');
      assert.equal(reset.subject, 'Setzen Sie Ihr Passwort für oto zurück');
      assert.match(reset.text, /läuft in 1 Stunde ab/);
      // The link still works: the language changed the words, not the token.
      const resetPage = await t.app.inject({ method: 'GET', url: pathOf(tokenLink(reset)) });
      assert.equal(resetPage.statusCode, 200);
    });

    test('an English user who switches to German with PATCH /v1/me gets the next email in German', async () => {
      const email = 'ben@example.com';
      const cookies = await verifiedUser(email);
      assert.equal(await storedLocale(email), null, 'no choice and no Accept-Language: nothing stored');
      assert.match((await inbox.last(t.ctx, email, 'verify_email')).subject, /^Confirm your email for oto$/);

      const refused = await t.app.inject({
        method: 'PATCH',
        url: '/v1/me',
        cookies,
        payload: { locale: 'fr' },
      });
      assert.equal(refused.statusCode, 422);
      assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(refused.json().errors[0].field, 'locale');

      const patched = await t.app.inject({
        method: 'PATCH',
        url: '/v1/me',
        cookies,
        headers: { origin: PUBLIC_URL },
        payload: { locale: 'de-AT' },
      });
      assert.equal(patched.statusCode, 200);
      assert.equal(patched.json().locale, 'de', 'stored by its language');
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/me', cookies })).json().locale, 'de');

      assert.equal((await post('/v1/password-resets', { email })).statusCode, 202);
      assert.equal(
        (await inbox.last(t.ctx, email, 'password_reset')).subject,
        'Setzen Sie Ihr Passwort für oto zurück',
      );
    });

    test("a sign-up takes the browser's language when oto speaks it, and refuses an explicit one it does not", async () => {
      await post(
        '/v1/users',
        { email: 'chris@example.ch', password: PASSWORD },
        { 'accept-language': 'fr-CH, de;q=0.8, en;q=0.5' },
      );
      assert.equal(await storedLocale('chris@example.ch'), 'de');
      assert.match((await inbox.last(t.ctx, 'chris@example.ch', 'verify_email')).subject, /^Bestätigen/);

      await post(
        '/v1/users',
        { email: 'dana@example.fr', password: PASSWORD },
        { 'accept-language': 'fr, it;q=0.5' },
      );
      assert.equal(await storedLocale('dana@example.fr'), null);
      assert.match(
        (await inbox.last(t.ctx, 'dana@example.fr', 'verify_email')).subject,
        /^Confirm your email/,
      );

      const refused = await post('/v1/users', { email: 'eve@example.com', password: PASSWORD, locale: 'fr' });
      assert.equal(refused.statusCode, 422);
      assert.equal(refused.json().code, 'invalid_input');

      const byForm = await form(
        '/signup',
        { email: 'fritz@example.de', password: PASSWORD },
        { 'accept-language': 'de-DE' },
      );
      assert.equal(byForm.statusCode, 303);
      assert.equal(await storedLocale('fritz@example.de'), 'de');
    });

    test('pages: Accept-Language without a session, the account language with one, English by default', async () => {
      const german = await t.app.inject({
        method: 'GET',
        url: '/login',
        headers: { 'accept-language': 'de-DE,de;q=0.9' },
      });
      assert.equal(german.statusCode, 200);
      assert.match(german.body, /<html lang="de">/);
      assert.match(german.body, /<h1>Anmelden<\/h1>/);
      assert.match(german.body, /<label for="f-password">Passwort<\/label>/);
      assert.equal(german.headers['content-language'], 'de');

      const english = await t.app.inject({ method: 'GET', url: '/login' });
      assert.match(english.body, /<html lang="en">/);
      assert.match(english.body, /<h1>Log in<\/h1>/);

      const refusedGerman = await t.app.inject({
        method: 'GET',
        url: '/signup',
        headers: { 'accept-language': 'de;q=0, *' },
      });
      assert.match(refusedGerman.body, /<h1>Create an account<\/h1>/);

      const cookies = await verifiedUser('gerd@example.de', { locale: 'de' });
      // The account's language wins over the browser's.
      const account = await t.app.inject({
        method: 'GET',
        url: '/account',
        cookies,
        headers: { 'accept-language': 'en' },
      });
      assert.equal(account.statusCode, 200);
      assert.match(account.body, /<h1>Ihr Konto<\/h1>/);
      assert.match(account.body, /<dt>Mitglied seit<\/dt>/);
      assert.match(account.body, /<option value="de" selected>Deutsch<\/option>/);

      // The account page's language choice: back to English, and the page follows.
      const chosen = await form(
        '/account/locale',
        { locale: 'en' },
        { cookie: `${Object.keys(cookies)[0]}=${Object.values(cookies)[0]}` },
      );
      assert.equal(chosen.statusCode, 303);
      assert.equal(await storedLocale('gerd@example.de'), 'en');
      const after = await t.app.inject({
        method: 'GET',
        url: '/account',
        cookies,
        headers: { 'accept-language': 'de' },
      });
      assert.match(after.body, /<h1>Your account<\/h1>/);
    });

    test('sign-in by email: the page and the email in German for a German account', async () => {
      await t.close();
      t = await startTestApp(dialect, { ...inbox.env, SIGN_IN_EMAIL: 'true', OTO_SIGNING_KEYS: KEY_A });
      await verifiedUser('ida@example.de', { locale: 'de' });
      const login = await t.app.inject({
        method: 'GET',
        url: '/login',
        headers: { 'accept-language': 'de' },
      });
      assert.match(login.body, /<h2 id="sign-in-email-heading">Kein Passwort\?<\/h2>/);
      const asked = await form(
        '/sign-in/email/request',
        { email: 'ida@example.de' },
        { 'accept-language': 'de' },
      );
      assert.equal(asked.statusCode, 303);
      const mail = await inbox.last(t.ctx, 'ida@example.de', 'sign_in');
      assert.equal(mail.subject, 'Bei oto anmelden');
      assert.match(mail.text, /läuft in \d+ (Minuten|Stunden?) ab/);
      const sent = await t.app.inject({
        method: 'GET',
        url: '/sign-in/email?sent=1',
        headers: { 'accept-language': 'de' },
      });
      assert.match(sent.body, /<h1>Prüfen Sie Ihren Posteingang<\/h1>/);
    });

    test('a German form error page and a bad link page speak German', async () => {
      const headers = { 'accept-language': 'de' };
      const wrong = await form(
        '/login',
        { email: 'nobody@example.de', password: 'not the password at all' },
        headers,
      );
      assert.equal(wrong.statusCode, 401);
      assert.match(wrong.body, /E-Mail-Adresse oder Passwort ist nicht korrekt\./);
      const short = await form('/signup', { email: 'kurz@example.de', password: 'kurz' }, headers);
      assert.equal(short.statusCode, 422);
      assert.match(short.body, /Passwort muss mindestens 15 Zeichen lang sein \(es sind 4\)\./);
      const english = await form('/signup', { email: 'short@example.com', password: 'short' });
      assert.match(english.body, /Password must be at least 15 characters long \(it has 5\)\./);
      const crossSite = await form(
        '/login',
        { email: 'a@b.de', password: 'x' },
        { ...headers, origin: 'https://evil.test' },
      );
      assert.equal(crossSite.statusCode, 403);
      assert.match(crossSite.body, /Anfragen von anderen Websites werden hier nicht angenommen\./);
      const bad = await t.app.inject({ method: 'GET', url: '/reset-password?token=nonsense', headers });
      assert.match(bad.body, /Dieser Link kann nicht verwendet werden/);
    });
  });
}
