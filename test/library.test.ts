import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { otoPlugin } from '../src/fastify.ts';
import { ConfigError, createOto, type OtoOptions, type OutgoingMessage } from '../src/index.ts';
import { toNodeHandler } from '../src/node.ts';
import { KEY_A } from './helpers/flows.ts';
import { harness as libraryHarness, PASSWORD, PUBLIC_URL } from './helpers/library.ts';
import { DIALECTS } from './helpers/storage.ts';

// Library mode as an app uses it: createOto over a database, the app's own mail function, events,
// the token engine in the app's transactions, and the HTTP surface through each adapter.

// The outbox polls every second, so that a test waits for its mail no longer than that.
const harness = (dialect: 'sqlite' | 'postgres', options: OtoOptions = {}) =>
  libraryHarness(dialect, { outbox: { pollInterval: '1s' }, ...options });

async function waitFor<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function linkToken(message: OutgoingMessage): string {
  const match = /[?&]token=([A-Za-z0-9_-]{43})/.exec(message.text);
  assert.ok(match, `no token link in: ${message.text}`);
  return match[1]!;
}

for (const { dialect, skip } of DIALECTS) {
  describe(`library mode (${dialect})`, { skip }, () => {
    it('signs up, mails through the app, verifies, logs in, and tells the app after each commit', async () => {
      const events: string[] = [];
      const h = await harness(dialect, {
        onUserCreated: (event) => {
          events.push(`created:${event.email}:${event.via}`);
        },
        onEmailVerified: (event) => {
          events.push(`verified:${event.userId.length}`);
        },
      });
      const worker = h.oto.startWorker();
      try {
        assert.deepEqual(await h.oto.signUp({ email: 'Ada@Example.com', password: PASSWORD }), { ok: true });
        const mail = await waitFor(
          () => h.sent.find((m) => m.to === 'Ada@Example.com'),
          'the verification mail',
        );
        assert.match(mail.from, /@app\.example>?$/);
        assert.equal((await h.oto.logIn({ email: 'ada@example.com', password: PASSWORD })).ok, false);

        const verified = await h.oto.verifyEmail({ token: linkToken(mail) });
        assert.equal(verified.ok && verified.status, 'verified');
        await waitFor(() => (events.length === 2 ? true : undefined), 'both events');
        assert.deepEqual(events, ['created:Ada@Example.com:sign_up', 'verified:36']);

        const login = await h.oto.logIn({ email: 'ada@example.com', password: PASSWORD, ip: '203.0.113.9' });
        assert.ok(login.ok);
        assert.equal(login.user.emailVerified, true);
        assert.equal('password_hash' in login.user, false);
        const found = await h.oto.sessions.lookup(login.sessionToken);
        assert.equal(found?.user.email, 'Ada@Example.com');
        assert.equal(await h.oto.sessions.revoke(login.sessionToken), true);
        assert.equal(await h.oto.sessions.lookup(login.sessionToken), null);
      } finally {
        await worker.stop();
        await h.close();
      }
    });

    it('exports and deletes an account with the current password, and tells the app', async () => {
      const deleted: Array<{ userId: string; actor: string }> = [];
      const h = await harness(dialect, { onUserDeleted: (event) => void deleted.push(event) });
      const worker = h.oto.startWorker();
      try {
        await h.oto.signUp({ email: 'lib.gone@example.com', password: PASSWORD });
        const mail = await waitFor(() => h.sent.find((m) => m.to === 'lib.gone@example.com'), 'the mail');
        const verified = await h.oto.verifyEmail({ token: linkToken(mail) });
        assert.ok(verified.ok);
        const userId = verified.userId;
        const login = await h.oto.logIn({ email: 'lib.gone@example.com', password: PASSWORD });
        assert.ok(login.ok);

        const data = await h.oto.exportAccount(userId);
        assert.equal(data?.profile.email, 'lib.gone@example.com');
        assert.equal(data?.sessions.length, 1);
        assert.equal(await h.oto.exportAccount('no-such-user'), null);

        const wrong = await h.oto.deleteAccount({ userId, currentPassword: 'not the password' });
        assert.deepEqual(wrong, { ok: false, reason: 'wrong_password' });
        assert.notEqual(await h.oto.getUser(userId), null, 'a wrong password deletes nothing');
        const done = await h.oto.deleteAccount({ userId, currentPassword: PASSWORD });
        assert.equal(done.ok, true);
        assert.equal(await h.oto.getUser(userId), null);
        assert.equal(await h.oto.sessions.lookup(login.sessionToken), null);
        const notice = await waitFor(
          () => h.sent.find((m) => m.to === 'lib.gone@example.com' && /deleted/.test(m.subject)),
          'the deletion notice',
        );
        assert.doesNotMatch(notice.text, /token=/);
        await waitFor(() => deleted[0], 'the user.deleted event');
        assert.deepEqual(
          deleted,
          [{ userId, actor: 'self' }],
          'once, after the wrong password changed nothing',
        );
      } finally {
        await worker.stop();
        await h.close();
      }
    });

    it('changes the password and lists and revokes sessions, as plain calls', async () => {
      const changed: string[] = [];
      const h = await harness(dialect, {
        onPasswordChanged: (event) => {
          changed.push(event.via);
        },
      });
      const worker = h.oto.startWorker();
      try {
        const { insertUser } = await import('./helpers/accounts.ts');
        const ctx = { db: h.oto.db, clock: { now: () => Date.now() } } as Parameters<typeof insertUser>[0];
        const user = await insertUser(ctx, 'lib@example.com', { password: PASSWORD });
        const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
        const logIn = async (password = PASSWORD) => {
          const login = await h.oto.logIn({
            email: 'lib@example.com',
            password,
            ip: '203.0.113.9',
            userAgent: firefox,
          });
          assert.ok(login.ok);
          return login;
        };
        const here = await logIn();
        const lost = await logIn();
        const third = await logIn();

        const listed = await h.oto.listSessions({ userId: user.id, currentSessionId: here.session.id });
        assert.equal(listed.length, 3);
        assert.deepEqual(
          [listed[0]?.id, listed[0]?.current, listed[0]?.userAgent, listed[0]?.ip],
          [here.session.id, true, 'Firefox on Linux', '203.0.113.0/24'],
        );
        assert.equal(
          await h.oto.revokeSession({ userId: 'someone-else', sessionId: lost.session.id }),
          false,
        );
        assert.equal(await h.oto.revokeSession({ userId: user.id, sessionId: lost.session.id }), true);
        assert.equal(await h.oto.sessions.lookup(lost.sessionToken), null);

        const wrong = await h.oto.changePassword({
          userId: user.id,
          sessionId: here.session.id,
          currentPassword: 'not the password at all',
          newPassword: 'seven purple walruses sing',
        });
        assert.deepEqual(wrong, { ok: false, reason: 'wrong_password' });
        const done = await h.oto.changePassword({
          userId: user.id,
          sessionId: here.session.id,
          currentPassword: PASSWORD,
          newPassword: 'seven purple walruses sing',
        });
        assert.deepEqual(done, { ok: true, revokedSessions: 1 });
        assert.equal(await h.oto.sessions.lookup(third.sessionToken), null);
        assert.notEqual(await h.oto.sessions.lookup(here.sessionToken), null);
        await waitFor(() => (changed.length > 0 ? true : undefined), 'the event');
        assert.deepEqual(changed, ['change']);
        const notice = await waitFor(
          () => h.sent.find((m) => /password was changed/.test(m.subject)),
          'the notice',
        );
        assert.equal(notice.to, 'lib@example.com');

        const again = await logIn('seven purple walruses sing');
        assert.deepEqual(
          await h.oto.revokeOtherSessions({
            userId: user.id,
            sessionId: here.session.id,
            currentPassword: 'seven purple walruses sing',
          }),
          { ok: true, revoked: 1 },
        );
        assert.equal(await h.oto.sessions.lookup(again.sessionToken), null);
      } finally {
        await worker.stop();
        await h.close();
      }
    });

    it('a handler that throws is logged and does not undo the change', async () => {
      const lines: string[] = [];
      const { createLogger } = await import('../src/logging.ts');
      const { Writable } = await import('node:stream');
      const destination = new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      });
      const h = await harness(dialect, {
        logger: createLogger({ level: 'info', destination }),
        onUserCreated: () => {
          throw new Error('the app broke');
        },
      });
      try {
        assert.deepEqual(await h.oto.signUp({ email: 'bob@example.com', password: PASSWORD }), { ok: true });
        const logged = await waitFor(
          () => lines.find((line) => line.includes('event handler failed')),
          'the logged failure',
        );
        assert.match(logged, /user\.created/);
        assert.match(logged, /the app broke/);
        const row = await h.oto.db.selectFrom('users').select('email').executeTakeFirst();
        assert.equal(row?.email, 'bob@example.com');
      } finally {
        await h.close();
      }
    });

    it("tokens.issue in the app's transaction rolls back with it, and commits with it", async () => {
      const h = await harness(dialect);
      // On PostgreSQL the app brings its own Kysely over its own pool; on SQLite it uses oto.db.
      const appPool =
        dialect === 'postgres' ? new pg.Pool({ connectionString: h.database.url, max: 2 }) : null;
      // biome-ignore lint/suspicious/noExplicitAny: the app's own schema.
      const appDb: Kysely<any> = appPool
        ? new Kysely({ dialect: new PostgresDialect({ pool: appPool }) })
        : h.oto.db;
      try {
        await sql`create table downloads (id text primary key, token_id text not null)`.execute(appDb);
        let issued: { token: string } | undefined;
        await assert.rejects(
          appDb.transaction().execute(async (trx) => {
            issued = await h.oto.tokens.issue(
              { purpose: 'download', subject: 'file-1', ttl: '15m' },
              { trx },
            );
            await trx.insertInto('downloads').values({ id: 'd1', token_id: 'x' }).execute();
            throw new Error('the app changes its mind');
          }),
          /changes its mind/,
        );
        assert.ok(issued);
        assert.deepEqual(await h.oto.tokens.inspect({ purpose: 'download', token: issued.token }), {
          state: 'unknown',
        });
        assert.equal((await appDb.selectFrom('downloads').selectAll().execute()).length, 0);

        const kept = await appDb.transaction().execute(async (trx) => {
          const token = await h.oto.tokens.issue(
            { purpose: 'download', subject: 'file-1', bind: 'v2' },
            { trx },
          );
          await trx.insertInto('downloads').values({ id: 'd2', token_id: token.id }).execute();
          return token;
        });
        const wrongBinding = await h.oto.tokens.consume({
          purpose: 'download',
          token: kept.token,
          bind: 'v1',
        });
        assert.deepEqual(wrongBinding, { ok: false, reason: 'binding' });
        const consumed = await appDb
          .transaction()
          .execute((trx) =>
            h.oto.tokens.consume({ purpose: 'download', token: kept.token, bind: 'v2' }, { trx }),
          );
        assert.ok(consumed.ok);
        assert.equal(consumed.token.subject, 'file-1');
        assert.equal(typeof consumed.token.expiresAt, 'string');
        assert.deepEqual(await h.oto.tokens.consume({ purpose: 'download', token: kept.token, bind: 'v2' }), {
          ok: false,
          reason: 'used',
        });
        await assert.rejects(
          h.oto.tokens.issue({ purpose: 'password_reset', subject: 'x' }),
          /belongs to oto's own flows/,
        );
      } finally {
        if (appPool) await appDb.destroy();
        await h.close();
      }
    });

    it('serves the same HTTP surface through oto.fetch and the Node adapter', async () => {
      const h = await harness(dialect, { apiKeys: ['k'.repeat(32)] });
      try {
        const health = await h.oto.fetch(new Request('http://localhost/readyz'));
        assert.equal(health.status, 200);
        const bad = await h.oto.fetch(
          new Request('http://localhost/v1/users', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: 'x@example.com', password: 12 }),
          }),
          { clientIp: '198.51.100.7' },
        );
        assert.equal(bad.status, 422);
        assert.deepEqual(((await bad.json()) as { errors: unknown }).errors, [
          { field: 'password', message: 'must be string' },
        ]);
        assert.equal(bad.headers.get('content-type'), 'application/problem+json; charset=utf-8');

        const server = createServer(toNodeHandler(h.oto)).listen(0, '127.0.0.1');
        await once(server, 'listening');
        try {
          const { port } = server.address() as { port: number };
          const issued = await fetch(`http://127.0.0.1:${port}/v1/tokens`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${'k'.repeat(32)}` },
            body: JSON.stringify({ purpose: 'download', subject: 'f' }),
          });
          assert.equal(issued.status, 201);
          const { token } = (await issued.json()) as { token: string };
          assert.equal((await h.oto.tokens.consume({ purpose: 'download', token })).ok, true);
        } finally {
          server.close();
        }
      } finally {
        await h.close();
      }
    });

    it("mounts in the app's Fastify, whose own route is guarded by oto's session", async () => {
      const h = await harness(dialect);
      // The app's Ajv coerces and strips, Fastify's defaults; oto's routes must stay strict anyway.
      const app = Fastify({ ajv: { customOptions: { coerceTypes: true, removeAdditional: 'all' } } });
      const worker = h.oto.startWorker();
      try {
        await app.register(otoPlugin, { oto: h.oto });
        app.get('/dashboard', { preHandler: app.requireOtoSession }, async (request) => ({
          hello: request.otoSession?.user.email,
        }));
        app.get('/maybe', { preHandler: app.otoSession }, async (request) => ({
          who: request.otoSession?.user.id ?? null,
        }));
        await app.ready();

        const anonymous = await app.inject({ method: 'GET', url: '/dashboard' });
        assert.equal(anonymous.statusCode, 401);
        assert.equal(anonymous.json().code, 'unauthenticated');
        assert.deepEqual((await app.inject({ method: 'GET', url: '/maybe' })).json(), { who: null });

        const coerced = await app.inject({
          method: 'POST',
          url: '/v1/users',
          payload: { email: 'c@example.com', password: 123456789012345 },
        });
        assert.equal(coerced.statusCode, 422, 'a number is not a password, whatever the app coerces');
        assert.deepEqual(coerced.json().errors, [{ field: 'password', message: 'must be string' }]);

        const signUp = await app.inject({
          method: 'POST',
          url: '/v1/users',
          payload: { email: 'carol@example.com', password: PASSWORD },
        });
        assert.equal(signUp.statusCode, 202);
        const mail = await waitFor(() => h.sent.find((m) => m.to === 'carol@example.com'), 'mail');
        const verify = await app.inject({
          method: 'POST',
          url: '/v1/users/verify',
          payload: { token: linkToken(mail) },
        });
        assert.equal(verify.statusCode, 200);
        const login = await app.inject({
          method: 'POST',
          url: '/v1/sessions',
          payload: { email: 'carol@example.com', password: PASSWORD },
        });
        assert.equal(login.statusCode, 200);
        const cookie = login.cookies.find((c) => c.name === h.oto.config.sessions.cookieName);
        assert.ok(cookie);
        const dashboard = await app.inject({
          method: 'GET',
          url: '/dashboard',
          headers: { cookie: `${cookie.name}=${cookie.value}` },
        });
        assert.equal(dashboard.statusCode, 200);
        assert.deepEqual(dashboard.json(), { hello: 'carol@example.com' });
      } finally {
        await worker.stop();
        await app.close();
        await h.close();
      }
    });
  });
}

describe('library options', () => {
  it('a bad option names the option and the variable it stands for', () => {
    assert.throws(
      () => createOto({ database: ':memory:', passwordMinLength: 3, logLevel: 'silent' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /passwordMinLength/.test(error.message) &&
        /PASSWORD_MIN_LENGTH/.test(error.message),
    );
    assert.throws(
      () =>
        createOto({
          database: ':memory:',
          production: true,
          publicUrl: 'https://a.example',
          signingKeys: KEY_A,
          metrics: { enabled: false },
          logLevel: 'silent',
        }),
      /option mail/,
    );
  });

  it('every setting the service reads has an option', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const { OPTION_VARIABLES, SERVICE_ONLY_VARIABLES } = await import('../src/config/options.ts');
    const read = new Set<string>();
    for (const file of readdirSync('src/config')) {
      const text = readFileSync(`src/config/${file}`, 'utf8');
      for (const match of text.matchAll(/\(env, '([A-Z][A-Z0-9_]+)'/g)) read.add(match[1]!);
    }
    assert.ok(read.size > 30);
    const covered = new Set([...Object.values(OPTION_VARIABLES), ...SERVICE_ONLY_VARIABLES]);
    assert.deepEqual(
      [...read].filter((name) => !covered.has(name)),
      [],
    );
  });
});

for (const { dialect, skip } of DIALECTS) {
  describe(`library mode's languages and branding, on ${dialect}`, { skip }, () => {
    it('brand, defaultLocale and a sign-up locale reach the emails; setLocale changes the next one', async () => {
      const h = await harness(dialect, {
        appName: 'Acme',
        defaultLocale: 'de',
        brand: { color: '#123456', supportEmail: 'help@app.example', legalFooter: 'Acme AG' },
      });
      const worker = h.oto.startWorker();
      try {
        assert.deepEqual(await h.oto.signUp({ email: 'de@app.example', password: PASSWORD }), { ok: true });
        const german = await waitFor(() => h.sent.find((m) => m.to === 'de@app.example'), 'the German mail');
        assert.equal(german.subject, 'Bestätigen Sie Ihre E-Mail-Adresse für Acme', 'defaultLocale de');
        assert.match(german.html ?? '', /background:#123456/);
        assert.match(german.text, /help@app\.example[\s\S]*Acme AG/);

        assert.deepEqual(
          await h.oto.signUp({ email: 'en@app.example', password: PASSWORD, locale: 'en-GB' }),
          {
            ok: true,
          },
        );
        const english = await waitFor(
          () => h.sent.find((m) => m.to === 'en@app.example'),
          'the English mail',
        );
        assert.equal(english.subject, 'Confirm your email for Acme');

        const refused = await h.oto.signUp({ email: 'fr@app.example', password: PASSWORD, locale: 'fr' });
        assert.equal(refused.ok, false);

        const verified = await h.oto.verifyEmail({ token: linkToken(english) });
        assert.ok(verified.ok);
        const login = await h.oto.logIn({ email: 'en@app.example', password: PASSWORD });
        assert.ok(login.ok);
        assert.deepEqual(await h.oto.setLocale({ userId: login.user.id, locale: 'de' }), { ok: true });
        assert.equal((await h.oto.getUser(login.user.id))?.locale, 'de');
        assert.equal((await h.oto.setLocale({ userId: login.user.id, locale: 'xx' })).ok, false);
      } finally {
        await worker.stop();
        await h.close();
      }
    });

    it('a broken template in templatesDir stops createOto, naming the option and the file', async () => {
      assert.throws(
        () =>
          createOto({ database: ':memory:', publicUrl: PUBLIC_URL, templatesDir: '/nonexistent/templates' }),
        (error: Error) =>
          error instanceof ConfigError &&
          /option templatesDir \(TEMPLATES_DIR: .*not a folder/.test(error.message),
      );
    });
  });
}
