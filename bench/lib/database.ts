import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A fresh, empty database for one dialect's runs: a new PostgreSQL schema, or a new SQLite file. */
export interface BenchDatabase {
  /** DATABASE_URL for the server and the drivers. */
  url: string;
  /** Server version, for the report. */
  version: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(
  dialect: 'sqlite' | 'postgres',
  postgresUrl: string,
): Promise<BenchDatabase> {
  const name = `oto_bench_${randomBytes(6).toString('hex')}`;
  if (dialect === 'sqlite') {
    // The temp directory, on disk like a real deployment's data directory would be.
    const path = join(tmpdir(), `${name}.db`);
    const { DatabaseSync } = await import('node:sqlite');
    const probe = new DatabaseSync(':memory:');
    const version = (probe.prepare('select sqlite_version() as v').get() as { v: string }).v;
    probe.close();
    return {
      url: `sqlite:${path}`,
      version: `SQLite ${version}`,
      async drop() {
        for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
      },
    };
  }
  const admin = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  let version: string;
  try {
    await admin.query(`create schema ${name}`);
    version = `PostgreSQL ${(await admin.query<{ v: string }>('select current_setting($1) as v', ['server_version'])).rows[0]!.v}`;
  } finally {
    await admin.end();
  }
  const url = new URL(postgresUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    url: url.toString(),
    version,
    async drop() {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${name} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
