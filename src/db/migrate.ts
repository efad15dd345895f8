import { PostgresAdapter, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import type { Db } from './connect.ts';
import { migrations } from './migrations/index.ts';

export interface MigrationReport {
  applied: string[];
}

/**
 * Applies pending migrations. Kysely's migrator runs them in one transaction under a lock:
 * a PostgreSQL advisory lock, or SQLite's write lock (BEGIN IMMEDIATE), so instances that start
 * together apply each migration exactly once.
 */
export async function migrateToLatest(db: Db): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'oto_migrations',
    migrationLockTableName: 'oto_migrations_lock',
    migrationTableSchema: await postgresSchema(db),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/**
 * On PostgreSQL, the schema oto lives in (the first of search_path). Without it Kysely's migrator
 * looks for its bookkeeping tables in every schema of the database, so a second oto schema in the
 * same database (another deployment, or a parallel test run) made it believe they existed here.
 */
async function postgresSchema(db: Db): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? undefined;
}
