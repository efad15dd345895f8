import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { ConfigError } from '../src/config/env.ts';
import { html } from '../src/html.ts';
import { renderEmail } from '../src/mail/templates.ts';
import { parseTemplate, renderTemplate } from '../src/templates/engine.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { type Inbox, startInbox } from './helpers/inbox.ts';
import { NODE_TS } from './helpers/node.ts';
import { DIALECTS } from './helpers/storage.ts';

/** A TEMPLATES_DIR with these files (path → content), removed after the test file. */
const dirs: string[] = [];
function templatesDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'oto-templates-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const OVERRIDES = {
  'verify-email.subject.txt': 'Welcome to {{appName}}: one click left',
  'verify-email.html':
    '<!doctype html>\n<html lang="{{locale}}"><body><h1>Hello from {{appName}}</h1>{{#link}}<a href="{{link}}">Go</a>{{/link}}{{^link}}Code: {{code}}{{/link}}<p>Valid for {{validFor}}</p></body></html>',
  'de/verify-email.html':
    '<!doctype html>\n<html lang="de"><body><h1>Hallo von {{appName}}</h1><a href="{{link}}">Los</a> {{validFor}}</body></html>',
  'pages/login.html':
    '<!doctype html>\n<html lang="{{lang}}"><head><title>{{title}}</title>{{stylesheet}}</head><body><h1 class="custom">{{title}}</h1>{{content}}<footer>{{legalFooter}}</footer></body></html>',
  'layout.html':
    '<!doctype html>\n<html lang="{{lang}}"><head><title>{{title}}</title>{{stylesheet}}</head><body><nav>{{nav}}</nav><main class="operator">{{content}}</main></body></html>',
};

describe('the template engine', () => {
  test("escapes every value but oto's own HTML, and shows sections by whether a value is set", () => {
    const template = parseTemplate('{{#name}}Hi {{name}}{{/name}}{{^name}}Hi you{{/name}} {{body}}');
    assert.equal(
      renderTemplate(template, { name: '<Eve & "Co">', body: html`<b>${'<x>'}</b>` }, 'html'),
      'Hi &lt;Eve &amp; &quot;Co&quot;&gt; <b>&lt;x&gt;</b>',
    );
    assert.equal(renderTemplate(template, { name: '', body: 'a<b' }, 'html'), 'Hi you a&lt;b');
    assert.equal(renderTemplate(template, { name: 'Eve <e@x>', body: '' }, 'text'), 'Hi Eve <e@x> ');
  });

  test('refuses raw output, unclosed tags and sections, and misnested ones, saying which line', () => {
    assert.throws(() => parseTemplate('a\n{{{raw}}}'), /line 2: raw output/);
    assert.throws(() => parseTemplate('{{&raw}}'), /raw output/);
    assert.throws(() => parseTemplate('x\ny {{name'), /line 2: "\{\{" is never closed/);
    assert.throws(() => parseTemplate('{{#a}}\n{{#b}}{{/a}}'), /line 2: \{\{\/a\}\} closes \{\{#b\}\}/);
    assert.throws(() => parseTemplate('{{#a}}open'), /line 1: \{\{#a\}\} is never closed/);
    assert.throws(() => parseTemplate('{{not a name}}'), /is not a variable name/);
  });
});

describe('TEMPLATES_DIR at start-up', () => {
  const load = (files: Record<string, string>) =>
    loadConfig({ DATABASE_URL: ':memory:', TEMPLATES_DIR: templatesDir(files) });

  test('an unknown variable stops loadConfig with the file and the variable named', () => {
    const dir = templatesDir({ 'password-reset.txt': 'Reset: {{link}}\n{{tokn}}' });
    assert.throws(
      () => loadConfig({ DATABASE_URL: ':memory:', TEMPLATES_DIR: dir }),
      (error: Error) =>
        error instanceof ConfigError &&
        error.message.includes(join(dir, 'password-reset.txt')) &&
        /line 2: unknown variable "tokn"/.test(error.message),
    );
    // A subject knows no `content`: only bodies place oto's own.
    assert.throws(() => load({ 'account-deleted.subject.txt': '{{content}}' }), /unknown variable "content"/);
    // A page knows its frame's parts, not an email's.
    assert.throws(
      () => load({ 'de/pages/signup.html': '{{link}}' }),
      /de\/pages\/signup\.html: line 1: unknown variable "link"/,
    );
  });

  test('a syntax error, a file that overrides nothing and an unknown folder stop it too', () => {
    assert.throws(
      () => load({ 'de/invitation.html': '<p>{{#inviter}}x</p>' }),
      /de\/invitation\.html: line 1: \{\{#inviter\}\} is never closed/,
    );
    assert.throws(() => load({ 'verfy-email.html': 'x' }), /verfy-email\.html: overrides no email or page/);
    assert.throws(() => load({ 'pages/nowhere.html': 'x' }), /overrides no email or page/);
    assert.throws(() => load({ 'fr/verify-email.html': 'x' }), /fr: unknown folder/);
    assert.throws(
      () => loadConfig({ DATABASE_URL: ':memory:', TEMPLATES_DIR: '/nonexistent/oto' }),
      /TEMPLATES_DIR: .* is not a folder/,
    );
  });

  test('oto serve refuses to start on a broken template, with one line naming the file', () => {
    const dir = templatesDir({ 'account-enabled.html': '{{loginLnk}}' });
    const cli = new URL('../src/cli/main.ts', import.meta.url).pathname;
    const result = spawnSync(process.execPath, [...NODE_TS, cli, 'serve'], {
      env: { ...process.env, DATABASE_URL: ':memory:', TEMPLATES_DIR: dir, PORT: '0' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.notEqual(result.status, 0);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /TEMPLATES_DIR: .*account-enabled\.html: line 1: unknown variable "loginLnk"/);
  });

  test('a file wins over the built-in, a language folder over the root, and a missing file falls back', () => {
    const config = load(OVERRIDES);
    const env = {
      appName: 'Acme',
      brand: config.presentation.brand,
      templates: config.presentation.templates,
    };
    const english = renderEmail(
      'verify_email',
      { ...env, locale: 'en' },
      { link: 'https://oto.test/v?token=t', validFor: 86_400 },
    );
    assert.equal(english.subject, 'Welcome to Acme: one click left');
    assert.match(
      english.html,
      /<h1>Hello from Acme<\/h1><a href="https:\/\/oto.test\/v\?token=t">Go<\/a><p>Valid for 24 hours<\/p>/,
    );
    assert.match(english.text, /Someone signed up for Acme/, 'no verify-email.txt: the built-in text');

    const german = renderEmail(
      'verify_email',
      { ...env, locale: 'de' },
      { link: 'https://oto.test/v?token=t', validFor: 86_400 },
    );
    assert.match(german.html, /Hallo von Acme.*24 Stunden/);
    assert.equal(german.subject, 'Welcome to Acme: one click left', 'no de subject: the root one');

    const codeOnly = renderEmail(
      'verify_email',
      { ...env, locale: 'en' },
      { validFor: 600, code: '123456', codeValidFor: 600 },
    );
    assert.match(codeOnly.html, /Code: 123456/);
    const other = renderEmail(
      'account_enabled',
      { ...env, locale: 'en' },
      { loginLink: 'https://oto.test/login' },
    );
    assert.match(other.subject, /^Your Acme account was enabled again$/, 'other kinds keep the built-in');
  });
});

for (const { dialect, skip } of DIALECTS) {
  describe(`operator templates in the running service, on ${dialect}`, { skip }, () => {
    let inbox: Inbox;
    let t: TestApp;
    before(async () => {
      inbox = await startInbox();
    });
    after(() => inbox?.close());
    beforeEach(async () => {
      inbox.smtp.clear();
      t = await startTestApp(dialect, {
        ...inbox.env,
        APP_NAME: 'Acme',
        LEGAL_FOOTER: 'Acme GmbH',
        TEMPLATES_DIR: templatesDir(OVERRIDES),
      });
    });
    afterEach(() => t?.close());

    test("the delivered verification email is the operator's, in the recipient's language", async () => {
      const payload = { email: 'op@example.com', password: 'correct horse battery staple', locale: 'de' };
      assert.equal((await t.app.inject({ method: 'POST', url: '/v1/users', payload })).statusCode, 202);
      const mail = await inbox.last(t.ctx, 'op@example.com', 'verify_email');
      assert.equal(mail.subject, 'Welcome to Acme: one click left');
      assert.match(mail.html, /Hallo von Acme/);
      assert.match(mail.html, /href="https:\/\/oto\.test\/verify-email\?token=[A-Za-z0-9_-]{43}"/);
    });

    test("a page's own file wins over layout.html, which wins over the built-in frame", async () => {
      const login = await t.app.inject({
        method: 'GET',
        url: '/login',
        headers: { 'accept-language': 'de' },
      });
      assert.equal(login.statusCode, 200);
      assert.match(login.body, /<html lang="de">/);
      assert.match(login.body, /<h1 class="custom">Anmelden<\/h1>/);
      assert.match(
        login.body,
        /<form method="post" action="\/login" novalidate>/,
        "the page's own form is placed whole",
      );
      assert.match(login.body, /<footer>Acme GmbH<\/footer>/);
      assert.match(login.body, /<link rel="stylesheet" href="\/assets\/oto-[0-9a-f]{12}\.css">/);

      const signup = await t.app.inject({ method: 'GET', url: '/signup' });
      assert.match(signup.body, /<main class="operator">/);
      assert.match(signup.body, /<nav><a href="\/login">Log in<\/a>/);
      assert.doesNotMatch(signup.body, /<header>/, 'not the built-in frame');
    });
  });
}

describe('the documented names are the real ones', () => {
  test('docs/templates.md names every email kind with its variables, and every page', async () => {
    const { readFileSync } = await import('node:fs');
    const { EMAIL_VARIABLES, PAGE_NAMES } = await import('../src/templates/variables.ts');
    const docs = readFileSync(new URL('../docs/templates.md', import.meta.url), 'utf8');
    for (const [kind, variables] of Object.entries(EMAIL_VARIABLES)) {
      const row = docs.split('\n').find((line) => line.startsWith(`| \`${kind}\` |`));
      assert.ok(row, `docs/templates.md has a row for ${kind}`);
      for (const variable of variables)
        assert.ok(row.includes(`\`${variable}\``), `${kind}: ${variable} documented`);
    }
    for (const page of PAGE_NAMES) assert.ok(docs.includes(`\`${page}\``), `page ${page} documented`);
  });

  test('every page path is a route of the service, by GET or POST', async () => {
    const { PAGE_PATHS } = await import('../src/templates/variables.ts');
    const t = await startTestApp('sqlite');
    try {
      for (const url of PAGE_PATHS) {
        const found = (['GET', 'POST'] as const).some((method) => t.app.hasRoute({ method, url }));
        assert.ok(found, `${url} is a route`);
      }
    } finally {
      await t.close();
    }
  });
});
