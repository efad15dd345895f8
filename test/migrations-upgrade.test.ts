import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { hashPassword } from '../src/accounts/passwords.ts';
import { migrateToLatest, migrateUpTo, migrationStatus } from '../src/db/migrate.ts';
import { migrations } from '../src/db/migrations/index.ts';
import { createOto, type Oto, type OutgoingMessage } from '../src/index.ts';
import { generateToken, hashToken } from '../src/tokens/secret.ts';
import { KEY_A } from './helpers/flows.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/storage.ts';

/**
 * An upgrade as a deployment meets it: a database made by release 0.1.0, with data in it, migrated
 * by today's code. Nothing may be lost, and what was live must still work through oto's functions.
 *
 * The last migration 0.1.0 had: package.json was 0.1.0 from the first commit, with no tag, and
 * every file in src/db/migrations up to 0007_login_failure_streak was added before the package
 * work (e3bdc67) and has kept its schema since. So today the upgrade has nothing to apply; each
 * migration added from here on runs in this test over 0.1.0's data.
 */
const LAST_AT_0_1_0 = '0007_login_failure_streak';
const PASSWORD = 'correct horse battery staple';
const HOUR = 3_600_000;

for (const { dialect, skip } of DIALECTS) {
  describe(`upgrade from 0.1.0 on ${dialect}`, { skip }, () => {
    let database: TestDatabase;
    let oto: Oto;
    const sent: OutgoingMessage[] = [];
    const now = Date.now();
    const sessionToken = generateToken();
    const downloadToken = generateToken();

    before(async () => {
      database = await createTestDatabase(dialect, { migrate: false });
      const db = database.storage.db;
      await migrateUpTo(db, LAST_AT_0_1_0);
      // 0.1.0's rows, written as 0.1.0 wrote them, in its columns only.
      const hash = await hashPassword(PASSWORD);
      await sql`insert into users (id, email, email_normalized, password_hash, password_version,
          email_verified_at, created_at, updated_at)
        values ('u1', ${'Ada@Example.com'}, ${'ada@example.com'}, ${hash}, 1, ${now - 48 * HOUR},
          ${now - 72 * HOUR}, ${now - 48 * HOUR})`.execute(db);
      await sql`insert into sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at,
          ip, user_agent)
        values ('s1', ${hashToken(sessionToken)}, 'u1', ${now - HOUR}, ${now - HOUR},
          ${now + 24 * HOUR}, '192.0.2.1', 'Firefox')`.execute(db);
      await sql`insert into security_tokens (id, token_hash, purpose, subject, data, created_at,
          expires_at)
        values ('t1', ${hashToken(downloadToken)}, 'download', 'report-7', ${'{"file":"q3.pdf"}'},
          ${now - HOUR}, ${now + HOUR})`.execute(db);
      await sql`insert into email_outbox (id, kind, recipient, sender, user_id, subject, text_body,
          status, priority, attempts, next_attempt_at, message_id, created_at)
        values ('m1', 'password_reset', 'ada@example.com', ${'oto <no-reply@app.example>'}, 'u1',
          'Reset your password', 'Follow the link.', 'pending', 0, 1, ${now - HOUR},
          '<m1@app.example>', ${now - 2 * HOUR})`.execute(db);
      await sql`insert into login_failures (key, failures, window_start)
        values (${'ada@example.com'}, 2, ${now - 60_000})`.execute(db);
      await database.storage.close();

      oto = createOto({
        database: database.url,
        publicUrl: 'https://app.example',
        signingKeys: KEY_A,
        logLevel: 'silent',
        outbox: { pollInterval: '1s' },
        mail: {
          async send(message) {
            sent.push(message);
          },
        },
      });
    });
    after(async () => {
      await oto?.close();
      await database?.drop();
    });

    test('migrating applies exactly the migrations that came after 0.1.0, and a second run nothing', async () => {
      const names = Object.keys(migrations);
      const after010 = names.slice(names.indexOf(LAST_AT_0_1_0) + 1);
      assert.deepEqual(await oto.migrate(), { applied: after010 });
      assert.deepEqual(await oto.migrate(), { applied: [] });
      assert.deepEqual(await migrateToLatest(oto.db), { applied: [] });
      const states = await migrationStatus(oto.db);
      assert.deepEqual(
        states.map((state) => [state.name, state.appliedAt !== null]),
        names.map((name) => [name, true]),
      );
    });

    test("0.1.0's rows are all still there, unchanged", async () => {
      const user = await oto.db
        .selectFrom('users')
        .select(['id', 'email', 'email_normalized', 'email_verified_at', 'created_at'])
        .execute();
      // node:sqlite's rows have no prototype; compare their fields.
      assert.deepEqual(
        user.map((row) => ({ ...row })),
        [
          {
            id: 'u1',
            email: 'Ada@Example.com',
            email_normalized: 'ada@example.com',
            email_verified_at: now - 48 * HOUR,
            created_at: now - 72 * HOUR,
          },
        ],
      );
      const counts = await Promise.all(
        ['sessions', 'security_tokens', 'email_outbox', 'login_failures'].map(async (table) => {
          const { rows } = await sql<{
            n: number | string;
          }>`select count(*) as n from ${sql.table(table)}`.execute(oto.db);
          return [table, Number(rows[0]!.n)];
        }),
      );
      assert.deepEqual(counts, [
        ['sessions', 1],
        ['security_tokens', 1],
        ['email_outbox', 1],
        ['login_failures', 1],
      ]);
    });

    test('the session is still live and the user can still log in', async () => {
      const found = await oto.sessions.lookup(sessionToken);
      assert.equal(found?.session.id, 's1');
      // 0009 cut the address it stored to its network, as sessions are stored from then on.
      assert.deepEqual(
        (await oto.listSessions({ userId: 'u1' })).map((s) => s.ip),
        ['192.0.2.0/24'],
      );
      const stored = await oto.db
        .selectFrom('sessions')
        .select('ip')
        .where('id', '=', 's1')
        .executeTakeFirst();
      assert.equal(stored?.ip, '192.0.2.0/24');
      assert.equal(found?.user.email, 'Ada@Example.com');
      const login = await oto.logIn({ email: 'ada@example.com', password: PASSWORD });
      assert.equal(login.ok, true, JSON.stringify(login));
      const wrong = await oto.logIn({ email: 'ada@example.com', password: 'not the password at all' });
      assert.deepEqual(wrong, { ok: false, reason: 'invalid_credentials' });
    });

    test('the token issued before the upgrade is consumed once, with its data', async () => {
      const first = await oto.tokens.consume({ purpose: 'download', token: downloadToken });
      assert.ok(first.ok, JSON.stringify(first));
      assert.equal(first.token.subject, 'report-7');
      assert.deepEqual(first.token.data, { file: 'q3.pdf' });
      const again = await oto.tokens.consume({ purpose: 'download', token: downloadToken });
      assert.equal(again.ok, false);
    });

    test('the message queued before the upgrade is delivered by the worker', async () => {
      const worker = oto.startWorker();
      try {
        for (let i = 0; i < 200 && sent.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      } finally {
        await worker.stop();
      }
      assert.deepEqual(
        sent.map(({ to, from, subject, messageId }) => ({ to, from, subject, messageId })),
        [
          {
            to: 'ada@example.com',
            from: 'oto <no-reply@app.example>',
            subject: 'Reset your password',
            messageId: '<m1@app.example>',
          },
        ],
      );
      const [row] = await oto.db.selectFrom('email_outbox').select(['status', 'attempts']).execute();
      assert.deepEqual({ ...row }, { status: 'sent', attempts: 2 });
    });
  });
}
