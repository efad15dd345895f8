import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDatabaseUrl } from '../src/config/config.ts';
import { openStorage } from '../src/db/connect.ts';
import { migrateUpTo } from '../src/db/migrate.ts';
import { migrations } from '../src/db/migrations/index.ts';
import { NODE_TS } from './helpers/node.ts';
import { createTestDatabase, type TestDatabase } from './helpers/storage.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const DAY = 86_400_000;

/** Runs `oto …` as a user would, with only the environment given (plus PATH and HOME). */
interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function oto(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_TS, MAIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function assertOneLineError(result: Run, pattern: RegExp) {
  assert.notEqual(result.status, 0, 'exits non-zero');
  assert.equal(result.stdout, '', 'prints nothing on stdout');
  const lines = result.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^oto: /);
  assert.match(lines[0]!, pattern);
}

describe('oto command line', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  before(async () => {
    database = await createTestDatabase('sqlite');
    env = { DATABASE_URL: database.url };
  });
  after(() => database?.drop());

  test('every command has --help, and a wrong flag is one clear line and a non-zero exit', async () => {
    const listed = (help: string) =>
      [...(help.split('Commands:')[1] ?? '').matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]!);
    const top = await oto(['--help']);
    assert.equal(top.status, 0);
    const commands = listed(top.stdout);
    for (const expected of ['serve', 'migrate', 'purge', 'config']) assert.ok(commands.includes(expected));
    // Every command and subcommand (e.g. `keys generate`), found by walking the help itself.
    const check = async (path: string[]): Promise<void> => {
      const help = await oto([...path, '--help']);
      assert.equal(help.status, 0, `${path.join(' ')} --help`);
      assert.match(help.stdout, new RegExp(`^Usage: oto ${path.join(' ')} `), `${path.join(' ')} --help`);
      // Commander names a missing required option (newsletter send) before an unknown one.
      assertOneLineError(
        await oto([...path, '--no-such-flag'], env),
        /unknown option '--no-such-flag'|required option/,
      );
      await Promise.all(listed(help.stdout).map((sub) => check([...path, sub])));
    };
    await Promise.all(commands.map((command) => check([command])));
  });

  test('an unknown command, a bad value and a bad variable are each one line', async () => {
    const [unknown, notNumber, zero, extra, badVariable, badUrl] = await Promise.all([
      oto(['purrge'], env),
      oto(['purge', '--batch-size', 'lots'], env),
      oto(['purge', '--batch-size', '0'], env),
      oto(['purge', 'now'], env),
      oto(['purge'], { ...env, PURGE_BATCH_SIZE: 'ten' }),
      oto(['config'], { PUBLIC_URL: 'ftp://x' }),
    ]);
    assertOneLineError(unknown, /unknown command 'purrge'.*purge/);
    assertOneLineError(notNumber, /--batch-size.*"lots"/);
    assertOneLineError(zero, /--batch-size.*"0"/);
    assertOneLineError(extra, /too many arguments/);
    assertOneLineError(badVariable, /configuration error: PURGE_BATCH_SIZE/);
    assertOneLineError(badUrl, /PUBLIC_URL/);
  });

  test('--version prints the version', async () => {
    const result = await oto(['--version']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  test('migrate prints what it applied, then that nothing is pending', async () => {
    const fresh = await createTestDatabase('sqlite');
    try {
      // A file that exists but has no tables yet.
      const path = fresh.url.replace(/^sqlite:/, '');
      await fresh.storage.close();
      const { rmSync } = await import('node:fs');
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
      const first = await oto(['migrate'], { DATABASE_URL: fresh.url });
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /^applied: 0001_core, .*0005_purge_indexes/);
      const second = await oto(['migrate'], { DATABASE_URL: fresh.url });
      assert.equal(second.stdout, 'nothing to apply: up to date\n');
    } finally {
      await fresh.drop();
    }
  });

  test('migrate status lists each migration as pending or applied, changes nothing, and exits 0', async () => {
    const path = join(tmpdir(), `oto-status-${randomBytes(6).toString('hex')}.db`);
    const url = `sqlite:${path}`;
    const names = Object.keys(migrations);
    const rows = (stdout: string) => stdout.trimEnd().split('\n').slice(0, -1);
    try {
      const fresh = await oto(['migrate', 'status'], { DATABASE_URL: url });
      assert.equal(fresh.status, 0, fresh.stderr);
      assert.deepEqual(
        rows(fresh.stdout).map((line) => line.split(/\s+/)),
        names.map((name) => [name, 'pending']),
      );
      assert.match(
        fresh.stdout,
        new RegExp(`${names.length} migrations, ${names.length} pending: run oto migrate\n$`),
      );

      // Half way: the database of an older release.
      const storage = openStorage(parseDatabaseUrl(url));
      await migrateUpTo(storage.db, names[1]!);
      await storage.close();
      const half = await oto(['migrate', 'status'], { DATABASE_URL: url });
      assert.equal(half.status, 0, half.stderr);
      assert.deepEqual(
        rows(half.stdout).map((line) => line.split(/\s+/).slice(0, 2)),
        names.map((name, i) => [name, i < 2 ? 'applied' : 'pending']),
      );
      assert.match(half.stdout, new RegExp(`${names.length} migrations, ${names.length - 2} pending`));

      // Asking changed nothing: the rest is still there to apply.
      const rest = await oto(['migrate'], { DATABASE_URL: url });
      assert.equal(rest.stdout, `applied: ${names.slice(2).join(', ')}\n`);

      const done = await oto(['migrate', 'status'], { DATABASE_URL: url });
      assert.equal(done.status, 0, done.stderr);
      const lines = rows(done.stdout).map((line) => line.split(/\s+/));
      assert.deepEqual(
        lines.map(([name, state]) => [name, state]),
        names.map((name) => [name, 'applied']),
      );
      for (const [, , at] of lines) assert.ok(Math.abs(Date.parse(at!) - Date.now()) < 60_000, String(at));
      assert.match(done.stdout, /migrations, all applied: up to date\n$/);
    } finally {
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    }
  });

  test('purge --dry-run counts and deletes nothing; purge deletes and prints counts per table', async () => {
    const db = database.storage.db;
    const now = Date.now();
    await db
      .insertInto('audit_events')
      .values([
        { id: 'old-1', at: now - 100 * DAY, event: 'login.failed' },
        { id: 'old-2', at: now - 100 * DAY, event: 'login.failed' },
        { id: 'recent', at: now - DAY, event: 'login.failed' },
      ])
      .execute();
    await db
      .insertInto('security_tokens')
      .values({
        id: 'ended',
        token_hash: 'h-ended',
        purpose: 'p',
        subject: 's',
        created_at: now - 30 * DAY,
        expires_at: now - 8 * DAY,
      })
      .execute();

    const dry = await oto(['purge', '--dry-run'], env);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /^dry run/);
    assert.match(dry.stdout, /audit_events\s+2\b/);
    assert.match(dry.stdout, /security_tokens\s+1\b/);
    assert.match(dry.stdout, /total: 3 rows; nothing was deleted/);
    assert.equal((await db.selectFrom('audit_events').select('id').execute()).length, 3);

    const real = await oto(['purge', '--batch-size', '1'], env);
    assert.equal(real.status, 0, real.stderr);
    assert.match(real.stdout, /^purged\n/);
    assert.match(real.stdout, /audit_events\s+2\b/);
    assert.match(real.stdout, /sessions\s+0\b/);
    assert.match(real.stdout, /total: 3 rows in [\d.]+ s\n$/);
    const left = await db.selectFrom('audit_events').select('id').execute();
    assert.deepEqual(
      left.map((row) => row.id),
      ['recent'],
    );
    assert.equal((await db.selectFrom('security_tokens').select('id').execute()).length, 0);
  });

  test('on a terminal, purge shows its progress as it goes', {
    skip: existsSync('/usr/bin/script') ? false : 'needs script(1) for a pseudo-terminal',
  }, async () => {
    const db = database.storage.db;
    const now = Date.now();
    const rows = Array.from({ length: 50 }, (_, i) => ({
      id: `tty-${i}`,
      token_hash: `h-tty-${i}`,
      purpose: 'p',
      subject: 's',
      created_at: now - 30 * DAY,
      expires_at: now - 20 * DAY,
    }));
    await db.insertInto('security_tokens').values(rows).execute();
    // script(1) gives the command a pseudo-terminal, as an operator's shell would.
    const command = `${process.execPath} ${MAIN} purge --batch-size 5`;
    const result = await new Promise<Run>((resolve, reject) => {
      const child = spawn('/usr/bin/script', ['-qec', command, '/dev/null'], {
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr: '' }));
    });
    assert.equal(result.status, 0, result.stdout);
    // Each update returns to the start of the line and clears it (ESC [ K) before writing.
    assert.ok(result.stdout.includes('\r\u001b[K  security_tokens: 5 rows…'), result.stdout);
    assert.match(result.stdout, /security_tokens\s+50\b/);
  });

  test('config prints the effective configuration with every secret masked', async () => {
    const secrets = {
      OTO_API_KEYS: 'api-key-number-one-0123456789,api-key-number-two-0123456789',
      METRICS_TOKEN: 'metrics-token-0123456789',
      OTO_SIGNING_KEYS:
        'k2024:c2lnbmluZy1zZWNyZXQtb25lLTAxMjM0NTY3ODk,k2025:c2lnbmluZy1zZWNyZXQtdHdvLTAxMjM0NTY3ODk',
      SMTP_URL: 'smtps://mailer:smtp-password-123@smtp.example.com:465',
      DATABASE_URL: 'postgres://oto:db-password-123@db.example.com:5432/oto',
      REDIS_URL: 'redis://:redis-password-123@cache.example.com:6379',
    };
    const result = await oto(['config'], { ...secrets, PURGE_INTERVAL: '15m' });
    assert.equal(result.status, 0, result.stderr);
    const shown = JSON.parse(result.stdout);
    assert.equal(shown.purge.intervalSeconds, 900);
    for (const secret of [
      'api-key-number-one-0123456789',
      'api-key-number-two-0123456789',
      'metrics-token-0123456789',
      'c2lnbmluZy1zZWNyZXQtb25lLTAxMjM0NTY3ODk',
      'c2lnbmluZy1zZWNyZXQtdHdvLTAxMjM0NTY3ODk',
      'smtp-password-123',
      'db-password-123',
      'redis-password-123',
    ]) {
      assert.ok(!result.stdout.includes(secret), `${secret} is printed`);
    }
    assert.equal(shown.apiKeys.length, 2);
    assert.match(shown.apiKeys[0].key, /^\[masked sha256:[0-9a-f]{8}\]$/);
    assert.notEqual(shown.apiKeys[0].key, shown.apiKeys[1].key);
    assert.match(shown.metrics.token, /^\[masked/);
    assert.match(shown.signingKeys, /^k2024:\[masked sha256:[0-9a-f]{8}\],k2025:\[masked/);
    assert.equal(shown.mail.smtpUrl, 'smtps://mailer:masked@smtp.example.com:465');
    assert.equal(shown.database.url, 'postgres://oto:masked@db.example.com:5432/oto');
    assert.equal(shown.limits.redisUrl, 'redis://:masked@cache.example.com:6379');
  });
});
