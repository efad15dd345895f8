import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import { LOCALES } from '../src/i18n/locales.ts';
import { EMAIL_KINDS } from '../src/mail/templates.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { oto } from './helpers/cli.ts';
import { htmlProblems } from './helpers/html-check.ts';
import { DIALECTS } from './helpers/storage.ts';

const out = mkdtempSync(join(tmpdir(), 'oto-preview-'));
after(() => rmSync(out, { recursive: true, force: true }));

describe('oto templates preview', () => {
  test('writes the HTML and the text of one kind in one language, with sample data', async () => {
    const dir = join(out, 'one');
    const run = await oto(['templates', 'preview', 'verify-email', '--locale', 'de', '--out', dir], {
      DATABASE_URL: ':memory:',
      APP_NAME: 'Acme',
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readdirSync(dir).sort(), ['verify-email.de.html', 'verify-email.de.txt']);
    const text = readFileSync(join(dir, 'verify-email.de.txt'), 'utf8');
    assert.match(text, /^Subject: Bestätigen Sie Ihre E-Mail-Adresse für Acme\n/);
    assert.match(text, /läuft in 24 Stunden ab/);
    const htmlBody = readFileSync(join(dir, 'verify-email.de.html'), 'utf8');
    assert.deepEqual(htmlProblems(htmlBody), []);
    assert.match(run.stdout, /verify_email de: Bestätigen Sie/);
  });

  test('all writes every kind in every language; an unknown kind or language is refused', async () => {
    const dir = join(out, 'all');
    const run = await oto(['templates', 'preview', 'all', '--out', dir], { DATABASE_URL: ':memory:' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      readdirSync(dir).length,
      EMAIL_KINDS.length * LOCALES.length * 2,
      'every kind, every language, html and txt',
    );
    assert.ok(readdirSync(dir).includes('account-deleted.en.txt'));

    const unknown = await oto(['templates', 'preview', 'welcome', '--out', dir], {
      DATABASE_URL: ':memory:',
    });
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /unknown email kind "welcome"/);
    const language = await oto(['templates', 'preview', 'invitation', '--locale', 'fr', '--out', dir], {
      DATABASE_URL: ':memory:',
    });
    assert.notEqual(language.status, 0);
    assert.match(language.stderr, /unknown locale "fr"; one of: en, de/);
  });
});

for (const { dialect, skip } of DIALECTS) {
  describe(`the dev mailbox's template preview, on ${dialect}`, { skip }, () => {
    let t: TestApp;
    beforeEach(async () => {
      t = await startTestApp(dialect);
    });
    afterEach(() => t?.close());

    test('lists every kind in every language, and renders each without queueing anything', async () => {
      const mailbox = await t.app.inject({ method: 'GET', url: '/dev/mailbox' });
      assert.match(mailbox.body, /<a href="\/dev\/mailbox\/preview">Preview all templates<\/a>/);
      const list = await t.app.inject({ method: 'GET', url: '/dev/mailbox/preview' });
      assert.equal(list.statusCode, 200);
      assert.equal(
        [...list.body.matchAll(/href="\/dev\/mailbox\/preview\/[a-z_]+\/(en|de)"/g)].length,
        EMAIL_KINDS.length * LOCALES.length,
      );

      const german = await t.app.inject({ method: 'GET', url: '/dev/mailbox/preview/password_reset/de' });
      assert.equal(german.statusCode, 200);
      assert.match(german.body, /<h1>Setzen Sie Ihr Passwort für oto zurück<\/h1>/);
      assert.equal(
        (await t.app.inject({ method: 'GET', url: '/dev/mailbox/preview/nope/de' })).statusCode,
        404,
      );
      const queued = await t.ctx.db.selectFrom('email_outbox').select('id').execute();
      assert.equal(queued.length, 0);
    });
  });
}

describe('the preview is for development only', () => {
  test('with SMTP configured the dev mailbox and its preview do not exist', async () => {
    const t = await startTestApp('sqlite', { SMTP_URL: 'smtp://127.0.0.1:1' });
    try {
      assert.equal((await t.app.inject({ method: 'GET', url: '/dev/mailbox/preview' })).statusCode, 404);
    } finally {
      await t.close();
    }
  });
});
