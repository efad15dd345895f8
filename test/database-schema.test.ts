import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrations } from '../src/db/migrations/index.ts';
import { createOto, type Oto, type OutgoingMessage } from '../src/index.ts';
import { KEY_A } from './helpers/flows.ts';
import { NODE_TS } from './helpers/node.ts';

/**
 * DATABASE_SCHEMA / createOto's `schema`: oto's tables in a PostgreSQL schema of their own, beside
 * an app whose connection looks elsewhere and which has a `users` table of its own.
 */

const URL_ = process.env['TEST_DATABASE_URL'];
const SCHEMA = 'oto_lib_test';
const APP_SCHEMA = 'oto_lib_test_app';
const PASSWORD = 'correct horse battery staple';
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: URL_ });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function tablesIn(schema: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: URL_ });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `select table_name as name from information_schema.tables where table_schema = $1 order by 1`,
      [schema],
    );
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

function appUrl(): string {
  const url = new URL(URL_!);
  url.searchParams.set('options', `-c search_path=${APP_SCHEMA}`);
  return url.href;
}

describe('PostgreSQL schema option', { skip: URL_ ? false : 'TEST_DATABASE_URL is not set' }, () => {
  let appPool: pg.Pool;
  // biome-ignore lint/suspicious/noExplicitAny: the app's own tables.
  let appDb: Kysely<any>;
  let oto: Oto;
  let publicBefore: string[];
  const sent: OutgoingMessage[] = [];

  before(async () => {
    // A run that died half way leaves its schemas behind; start from nothing.
    await admin(`drop schema if exists ${SCHEMA} cascade`);
    await admin(`drop schema if exists ${APP_SCHEMA} cascade`);
    await admin(`create schema ${APP_SCHEMA}`);
    publicBefore = await tablesIn('public');
    appPool = new pg.Pool({ connectionString: appUrl(), max: 2 });
    appDb = new Kysely({ dialect: new PostgresDialect({ pool: appPool }) });
    await sql`create table users (id serial primary key, nickname text not null)`.execute(appDb);
    await sql`insert into users (nickname) values ('the app''s own user')`.execute(appDb);
    oto = createOto({
      // The app's own pool, whose search_path names the app's schema: oto's must win for oto.
      database: appPool,
      schema: SCHEMA,
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
    await appDb?.destroy();
    await admin(`drop schema if exists ${SCHEMA} cascade`);
    await admin(`drop schema if exists ${APP_SCHEMA} cascade`);
  });

  test('migrate creates the schema and puts every table of oto there, none in public or the app’s', async () => {
    const { applied } = await oto.migrate();
    assert.ok(applied.includes('0001_core'), applied.join());
    const ours = await tablesIn(SCHEMA);
    for (const table of ['users', 'sessions', 'security_tokens', 'email_outbox', 'oto_migrations'])
      assert.ok(ours.includes(table), `${table} in ${SCHEMA}: ${ours.join()}`);
    assert.deepEqual(await tablesIn('public'), publicBefore);
    assert.deepEqual(await tablesIn(APP_SCHEMA), ['users']);
    assert.deepEqual(await oto.migrate(), { applied: [] });
  });

  test('sign-up, verification and log-in work there, and the app’s users table is untouched', async () => {
    const worker = oto.startWorker();
    try {
      assert.deepEqual(await oto.signUp({ email: 'ada@example.com', password: PASSWORD }), { ok: true });
      for (let i = 0; i < 200 && sent.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    } finally {
      await worker.stop();
    }
    const token = /[?&]token=([A-Za-z0-9_-]{43})/.exec(sent[0]?.text ?? '')?.[1];
    assert.ok(token, 'a verification link was mailed');
    const verified = await oto.verifyEmail({ token });
    assert.equal(verified.ok && verified.status, 'verified');
    const login = await oto.logIn({ email: 'ada@example.com', password: PASSWORD });
    assert.ok(login.ok, JSON.stringify(login));

    const { rows: otoUsers } = await sql<{
      email: string;
    }>`select email from ${sql.table(`${SCHEMA}.users`)}`.execute(appDb);
    assert.deepEqual(
      otoUsers.map((row) => row.email),
      ['ada@example.com'],
    );
    const { rows: appUsers } = await sql<{ nickname: string }>`select nickname from users`.execute(appDb);
    assert.deepEqual(
      appUsers.map((row) => row.nickname),
      ["the app's own user"],
    );
  });

  test('a token issued and consumed in the app’s own transaction lands in oto’s schema', async () => {
    await sql`create table downloads (id text primary key, token_id text not null)`.execute(appDb);
    const issued = await appDb.transaction().execute(async (trx) => {
      const token = await oto.tokens.issue({ purpose: 'download', subject: 'file-1', ttl: '15m' }, { trx });
      // Back on the app's search_path for the app's own statement.
      await trx.insertInto('downloads').values({ id: 'd1', token_id: token.id }).execute();
      return token;
    });
    const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(
      `${SCHEMA}.security_tokens`,
    )} where id = ${issued.id}`.execute(appDb);
    assert.equal(Number(rows[0]!.n), 1);
    const consumed = await oto.tokens.consume({ purpose: 'download', token: issued.token });
    assert.ok(consumed.ok);
    assert.equal(consumed.token.subject, 'file-1');
    assert.equal((await oto.tokens.consume({ purpose: 'download', token: issued.token })).ok, false);
  });

  test('instances that start together on a new schema create it and apply each migration once', async () => {
    const race = `${SCHEMA}_race`;
    await admin(`drop schema if exists ${race} cascade`);
    const instances = Array.from({ length: 3 }, () =>
      createOto({ database: URL_!, schema: race, signingKeys: KEY_A, logLevel: 'silent' }),
    );
    try {
      const reports = await Promise.all(instances.map((instance) => instance.migrate()));
      const applied = reports.flatMap((report) => report.applied).sort();
      assert.deepEqual(applied, Object.keys(migrations).sort());
      assert.ok((await tablesIn(race)).includes('users'));
    } finally {
      await Promise.all(instances.map((instance) => instance.close()));
      await admin(`drop schema if exists ${race} cascade`);
    }
  });

  test('`oto migrate status` with DATABASE_SCHEMA reads the same schema: all applied', async () => {
    const child = spawn(process.execPath, [...NODE_TS, MAIN, 'migrate', 'status'], {
      env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: URL_!, DATABASE_SCHEMA: SCHEMA },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const status = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(status, 0, stderr);
    assert.match(stdout, /^0001_core +applied /);
    assert.match(stdout, /migrations, all applied: up to date\n$/);
  });
});
