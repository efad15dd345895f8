import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { requestPasswordReset } from '../src/accounts/password-reset.ts';
import { createContext } from '../src/context.ts';
import type { Database } from '../src/db/schema.ts';
import { createLogger } from '../src/logging.ts';
import { FINGERPRINT_DOMAIN } from '../src/tokens/secret.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { type Inbox, startInbox, tokenLink, tokenOf } from './helpers/inbox.ts';
import { DIALECTS } from './helpers/storage.ts';

/**
 * A reset email speaks the recipient's language on both databases. On PostgreSQL the request is
 * one call that learns the language only when it finds the account (migration 0015): it is given
 * the email in every language and queues the right one, and these tests hold it to the language
 * the statement-by-statement path picks, and to its one round trip.
 */
const PASSWORD = 'correct horse battery staple';
const ENGLISH = 'Reset your oto password';
const GERMAN = 'Setzen Sie Ihr Passwort für oto zurück';

for (const { dialect, skip } of DIALECTS) {
  describe(`the reset email's language on ${dialect}`, { skip }, () => {
    let inbox: Inbox;
    let t: TestApp;
    before(async () => {
      inbox = await startInbox();
    });
    after(() => inbox?.close());
    afterEach(() => t?.close());

    const start = async (env: Record<string, string> = {}) => {
      t = await startTestApp(dialect, { ...inbox.env, RATE_LIMIT_PER_MINUTE: '0', ...env });
    };
    const signUp = async (email: string, locale?: string) => {
      t.clock.advance(1000);
      const payload =
        locale === undefined ? { email, password: PASSWORD } : { email, password: PASSWORD, locale };
      assert.equal((await t.app.inject({ method: 'POST', url: '/v1/users', payload })).statusCode, 202);
    };
    const resetMail = async (email: string) => {
      t.clock.advance(1000);
      const res = await t.app.inject({ method: 'POST', url: '/v1/password-resets', payload: { email } });
      assert.equal(res.statusCode, 202);
      const mail = await inbox.last(t.ctx, email, 'password_reset');
      const token = tokenOf(tokenLink(mail));
      assert.equal((await t.ctx.tokens.inspect(t.ctx.db, 'password_reset', token)).state, 'active');
      return mail;
    };

    test('a German account gets the German email, an account without a language the default', async () => {
      await start();
      await signUp('greta@example.de', 'de');
      await signUp('nolang@example.com');
      const german = await resetMail('greta@example.de');
      assert.equal(german.subject, GERMAN);
      assert.match(german.text, /läuft in 1 Stunde ab/);
      assert.match(german.html, /<html lang="de">/);
      const english = await resetMail('nolang@example.com');
      assert.equal(english.subject, ENGLISH);
      assert.match(english.html, /<html lang="en">/);
    });

    test('with DEFAULT_LOCALE=de an account without a language gets German, an English one English', async () => {
      await start({ DEFAULT_LOCALE: 'de' });
      await signUp('ohne@example.de');
      await signUp('emma@example.com', 'en');
      assert.equal((await resetMail('ohne@example.de')).subject, GERMAN);
      assert.equal((await resetMail('emma@example.com')).subject, ENGLISH);
    });

    test('a stored language oto does not speak (any more) gets the default', async () => {
      await start();
      await signUp('francois@example.fr');
      await t.ctx.db
        .updateTable('users')
        .set({ locale: 'fr' })
        .where('email', '=', 'francois@example.fr')
        .execute();
      assert.equal((await resetMail('francois@example.fr')).subject, ENGLISH);
    });
  });
}

const postgres = DIALECTS.find((d) => d.dialect === 'postgres');

describe('the PostgreSQL reset request', { skip: postgres?.skip ?? 'no postgres case' }, () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp('postgres', { RATE_LIMIT_PER_MINUTE: '0' });
  });
  afterEach(() => t?.close());

  test('is one statement, for an account in any language, a disabled one, and an unknown address', async () => {
    const sent: string[] = [];
    const pool = new pg.Pool({ connectionString: t.database.url, max: 2 });
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        sent.push(typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]));
        return query(...args);
      };
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const storage = { db, ping: async () => true, close: () => db.destroy() };
    const ctx = createContext(t.config, storage, createLogger({ level: 'silent' }), { clock: t.clock });
    try {
      for (const [email, locale] of [
        ['de@example.de', 'de'],
        ['en@example.com', 'en'],
        ['none@example.com', null],
        ['off@example.com', null],
      ] as const) {
        t.clock.advance(1000);
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/users',
          payload: { email, password: PASSWORD, ...(locale === null ? {} : { locale }) },
        });
        assert.equal(res.statusCode, 202);
      }
      await t.ctx.db
        .updateTable('users')
        .set({ disabled_at: t.clock.now() })
        .where('email', '=', 'off@example.com')
        .execute();

      const addresses = [
        'de@example.de',
        'en@example.com',
        'none@example.com',
        'off@example.com',
        'ghost@example.com',
      ];
      for (const email of addresses) {
        sent.length = 0;
        await requestPasswordReset(ctx, { email, ip: '192.0.2.9' });
        assert.equal(sent.length, 1, `${email}: ${sent.join(' | ')}`);
        assert.match(sent[0]!, /^select oto_request_password_reset\(/);
      }
      const subjects = await t.ctx.db
        .selectFrom('email_outbox')
        .select(['recipient', 'subject'])
        .where('kind', '=', 'password_reset')
        .orderBy('recipient')
        .execute();
      assert.deepEqual(subjects, [
        { recipient: 'de@example.de', subject: GERMAN },
        { recipient: 'en@example.com', subject: ENGLISH },
        { recipient: 'none@example.com', subject: ENGLISH },
      ]);
      const recorded = await t.ctx.db
        .selectFrom('audit_events')
        .select('detail')
        .where('event', '=', 'password_reset.requested')
        .execute();
      assert.equal(recorded.length, addresses.length);
    } finally {
      await storage.close();
    }
  });

  test("the previous release's call (migration 0011's arguments) still issues and queues", async () => {
    t.clock.advance(1000);
    const email = 'old@example.de';
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/users',
      payload: { email, password: PASSWORD, locale: 'de' },
    });
    assert.equal(res.statusCode, 202);
    const now = t.clock.now();
    const { rows } = await sql<{ sent: boolean }>`
      select oto_request_password_reset(${email}, ${now}, ${now - 3_600_000}, ${5}, ${'token-old'},
        ${'hash-old'}, ${now + 3_600_000}, ${FINGERPRINT_DOMAIN}, ${'mail-old'}, 'oto@example.com',
        'Rendered by the old release', 'text', 'html', null, ${'<old@oto.test>'}, ${'audit-old'},
        null, ${0}) as sent`.execute(t.ctx.db);
    assert.equal(rows[0]?.sent, true);
    const queued = await t.ctx.db
      .selectFrom('email_outbox')
      .select(['subject', 'recipient', 'message_id'])
      .where('id', '=', 'mail-old')
      .executeTakeFirstOrThrow();
    assert.deepEqual(queued, {
      subject: 'Rendered by the old release',
      recipient: email,
      message_id: '<old@oto.test>',
    });
    const token = await t.ctx.db
      .selectFrom('security_tokens')
      .select(['purpose', 'revoked_at'])
      .where('id', '=', 'token-old')
      .executeTakeFirstOrThrow();
    assert.deepEqual(token, { purpose: 'password_reset', revoked_at: null });
  });
});
