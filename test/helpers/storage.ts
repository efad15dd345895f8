import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseDatabaseUrl } from '../../src/config/config.ts';
import { openStorage, type StorageOptions } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import type { Dialect, Storage } from '../../src/db/schema.ts';

const POSTGRES_URL = process.env['TEST_DATABASE_URL'];

export interface DialectCase {
  dialect: Dialect;
  /** node:test `skip` value: a reason when this dialect cannot run here. */
  skip: string | false;
}

/**
 * The dialects every storage test runs on. PostgreSQL runs when TEST_DATABASE_URL is set; without it
 * those tests are reported as skipped, with the reason, rather than silently missing.
 */
export const DIALECTS: DialectCase[] = [
  { dialect: 'sqlite', skip: false },
  {
    dialect: 'postgres',
    skip: POSTGRES_URL ? false : 'PostgreSQL tests skipped: TEST_DATABASE_URL is not set',
  },
];

export interface TestDatabase {
  /** A DATABASE_URL that another process can open to reach the same data. */
  url: string;
  storage: Storage;
  /** Closes the storage and deletes the database (schema or file). */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of its own for one test: a new schema on the shared PostgreSQL server
 * (so parallel test runs never see each other's rows) or a new SQLite file in the temp directory.
 */
export async function createTestDatabase(
  dialect: Dialect,
  options: StorageOptions & {
    /** false: leave it empty, for a test that migrates it itself. */ migrate?: boolean;
  } = {},
): Promise<TestDatabase> {
  const { migrate = true, ...storageOptions } = options;
  const url = dialect === 'postgres' ? await createPostgresSchema() : sqliteTempPath();
  const storage = openStorage(parseDatabaseUrl(url), {
    ...storageOptions,
    poolSize: storageOptions.poolSize ?? 10,
  });
  if (migrate) await migrateToLatest(storage.db);
  return {
    url,
    storage,
    async drop() {
      await storage.close();
      if (dialect === 'postgres') await dropPostgresSchema(url);
      else
        for (const suffix of ['', '-wal', '-shm'])
          rmSync(url.replace(/^sqlite:/, '') + suffix, { force: true });
    },
  };
}

function sqliteTempPath(): string {
  return `sqlite:${join(tmpdir(), `oto-test-${randomBytes(6).toString('hex')}.db`)}`;
}

async function createPostgresSchema(): Promise<string> {
  if (!POSTGRES_URL) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `oto_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`create schema ${schema}`);
  } finally {
    await client.end();
  }
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function dropPostgresSchema(url: string): Promise<void> {
  const schema = /search_path=(oto_test_[0-9a-f]+)/.exec(decodeURIComponent(url))?.[1];
  if (!schema) return;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}
