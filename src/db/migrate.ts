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
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
