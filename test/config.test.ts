import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { parseDurationSeconds } from '../src/config/duration.ts';
import { ConfigError } from '../src/config/env.ts';
import { configFromSettings } from '../src/config/options.ts';
import { NODE_TS } from './helpers/node.ts';

describe('configuration', () => {
  test('defaults give a working development setup on SQLite under ./data', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.publicUrl, 'http://localhost:3000');
    assert.deepEqual(config.database, { kind: 'sqlite', path: './data/oto.db' });
    assert.equal(config.trustProxy, false);
    assert.equal(config.tokenTtl.password_reset, 3600);
    assert.equal(config.tokenTtl.verify_email, 86_400);
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.tokenTtl));
  });

  test('DATABASE_URL selects the database', () => {
    const cases: Array<[string, unknown]> = [
      ['postgres://u@db:5432/oto', { kind: 'postgres', url: 'postgres://u@db:5432/oto' }],
      ['postgresql://u@db/oto', { kind: 'postgres', url: 'postgresql://u@db/oto' }],
      ['sqlite:/var/lib/oto.db', { kind: 'sqlite', path: '/var/lib/oto.db' }],
      ['sqlite:///var/lib/oto.db', { kind: 'sqlite', path: '/var/lib/oto.db' }],
      ['./other.db', { kind: 'sqlite', path: './other.db' }],
      [':memory:', { kind: 'sqlite', path: ':memory:' }],
    ];
    for (const [url, expected] of cases)
      assert.deepEqual(loadConfig({ DATABASE_URL: url }).database, expected, url);
  });

  test('PUBLIC_URL becomes a bare origin; TRUST_PROXY takes the forms Fastify understands', () => {
    assert.equal(
      loadConfig({ PUBLIC_URL: 'https://auth.example.com/' }).publicUrl,
      'https://auth.example.com',
    );
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ TRUST_PROXY: '1' }).trustProxy, 1);
    assert.equal(loadConfig({ TRUST_PROXY: '10.0.0.0/8' }).trustProxy, '10.0.0.0/8');
  });

  test('DATABASE_SCHEMA names the PostgreSQL schema of oto, and createOto takes it as schema', () => {
    assert.deepEqual(
      loadConfig({ DATABASE_URL: 'postgres://u@db/app', DATABASE_SCHEMA: 'oto_auth' }).database,
      {
        kind: 'postgres',
        url: 'postgres://u@db/app',
        schema: 'oto_auth',
      },
    );
    assert.deepEqual(
      configFromSettings({ schema: 'auth' }, { DATABASE_URL: 'postgres://u@db/app' }).database,
      {
        kind: 'postgres',
        url: 'postgres://u@db/app',
        schema: 'auth',
      },
    );
    assert.throws(
      () => configFromSettings({ schema: 'auth' }),
      /^ConfigError: option schema \(DATABASE_SCHEMA: is for PostgreSQL only/,
    );
  });

  test('durations accept seconds and units, and nothing that is not positive', () => {
    assert.equal(parseDurationSeconds('90'), 90);
    assert.equal(parseDurationSeconds('15m'), 900);
    assert.equal(parseDurationSeconds('7d'), 604_800);
    for (const bad of ['0', '-5', '1.5h', 'soon', '', '10y'])
      assert.equal(parseDurationSeconds(bad), null, bad);
  });

  test('each bad value is refused with a message naming the variable and the reason', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PUBLIC_URL: 'ftp://example.com' }, /^PUBLIC_URL: must use http or https/],
      [{ PUBLIC_URL: 'not a url' }, /^PUBLIC_URL: must be an http\(s\) origin/],
      [{ PUBLIC_URL: 'https://example.com/app' }, /^PUBLIC_URL: must be an origin only/],
      [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: must be postgres/],
      [{ DATABASE_URL: 'postgres://[bad' }, /^DATABASE_URL: is not a valid/],
      [{ PORT: 'eighty' }, /^PORT: must be a whole number/],
      [{ PORT: '70000' }, /^PORT: must be between 0 and 65535/],
      [{ TOKEN_TTL_PASSWORD_RESET: '0' }, /^TOKEN_TTL_PASSWORD_RESET: must be a positive duration/],
      [{ TOKEN_TTL_VERIFY_EMAIL: 'forever' }, /^TOKEN_TTL_VERIFY_EMAIL: must be a positive duration/],
      [{ OTO_API_KEYS: 'short' }, /^OTO_API_KEYS: each key must be at least 24/],
      [{ RUN_WORKER: 'maybe' }, /^RUN_WORKER: must be true or false/],
      [{ LINK_RESET_PASSWORD: 'https://app.example/reset' }, /^LINK_RESET_PASSWORD: must contain \{token\}/],
      [{ SMTP_URL: 'http://mail' }, /^SMTP_URL: must be smtp:\/\//],
      [{ TRUST_PROXY: 'everyone' }, /^TRUST_PROXY: must be/],
      [{ NODE_ENV: 'production' }, /^PUBLIC_URL: is required when NODE_ENV=production/],
      [
        { MAIL_FROM: 'Acme <mail@acme.test>', NEWSLETTER_FROM: 'Acme News <MAIL@acme.test>' },
        /^NEWSLETTER_FROM: must be another address than MAIL_FROM's/,
      ],
      [{ DATABASE_SCHEMA: 'oto' }, /^DATABASE_SCHEMA: is for PostgreSQL only/],
      ...['Oto', 'oto-auth', '1oto', 'pg_oto', 'oto;drop', 'x'.repeat(64)].map(
        (schema): [Record<string, string>, RegExp] => [
          { DATABASE_URL: 'postgres://u@db/oto', DATABASE_SCHEMA: schema },
          /^DATABASE_SCHEMA: must be a lower-case identifier/,
        ],
      ),
      [{ MAIL_FROM: 'no-reply' }, /^MAIL_FROM: must be one email address/],
      [{ MAIL_FROM: 'Acme <no-reply>' }, /^MAIL_FROM: must be one email address/],
      [{ MAIL_FROM: 'a@acme.test, b@acme.test' }, /^MAIL_FROM: must be one email address/],
      [{ MAIL_FROM: 'Team: a@acme.test;' }, /^MAIL_FROM: must be one email address/],
      [{ NEWSLETTER_FROM: '"News" <@acme.test>' }, /^NEWSLETTER_FROM: must be one email address/],
      [{ APP_NAME: 'Acme\r\nBcc: x@evil.test' }, /^APP_NAME: must not contain line breaks/],
      [
        { NODE_ENV: 'production', PUBLIC_URL: 'http://auth.example.com' },
        /^PUBLIC_URL: must use https when NODE_ENV=production/,
      ],
      [
        {
          NODE_ENV: 'production',
          PUBLIC_URL: 'https://auth.example.com',
          LINK_INVITE: 'http://app.example/i/{token}',
        },
        /^LINK_INVITE: must use https when NODE_ENV=production/,
      ],
      [
        { NODE_ENV: 'production', PUBLIC_URL: 'https://auth.example.com' },
        /^METRICS_TOKEN: is required when NODE_ENV=production/,
      ],
    ];
    for (const [env, message] of cases) {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
    }
  });

  test('the senders keep a display name with a comma, quotes or brackets whole, quoted', () => {
    const acme = loadConfig({ APP_NAME: 'Acme, Inc.', PUBLIC_URL: 'https://acme.test' });
    assert.equal(acme.mail.from, '"Acme, Inc." <no-reply@acme.test>');
    assert.equal(acme.mail.newsletterFrom, '"Acme, Inc." <news@acme.test>');
    assert.equal(loadConfig({ MAIL_FROM: '"Q" <x@example.com>' }).mail.from, 'Q <x@example.com>');
    assert.equal(
      loadConfig({ MAIL_FROM: '"The \\"Best\\" App" <x@example.com>' }).mail.from,
      '"The \\"Best\\" App" <x@example.com>',
    );
    assert.equal(loadConfig({ APP_NAME: 'Zoë Café' }).mail.from, 'Zoë Café <no-reply@localhost.localdomain>');
  });

  test('the service refuses to start on a bad value, with one line and a non-zero exit', () => {
    const cli = new URL('../src/cli/main.ts', import.meta.url).pathname;
    const result = spawnSync(process.execPath, [...NODE_TS, cli, 'serve'], {
      env: { ...process.env, PUBLIC_URL: 'ftp://example.com', DATABASE_URL: ':memory:' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.notEqual(result.status, 0);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /PUBLIC_URL: must use http or https/);
  });
});
