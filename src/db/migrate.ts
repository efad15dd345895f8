import { sql } from 'kysely';
import { type MigrationResultSet, Migrator } from 'kysely/migration';
import { dialectOf } from './dialect.ts';
import { migrations } from './migrations/index.ts';
import type { Db } from './schema.ts';

export interface MigrationReport {
  applied: string[];
}

export interface MigrationState {
  name: string;
  /** When it was applied here, or null while it is pending. */
  appliedAt: Date | null;
}

/**
 * Applies pending migrations. Kysely's migrator runs them in one transaction under a lock:
 * a PostgreSQL advisory lock, or SQLite's write lock (BEGIN IMMEDIATE), so instances that start
 * together apply each migration exactly once.
 */
export function migrateToLatest(db: Db): Promise<MigrationReport> {
  return migrateWith(db, (migrator) => migrator.migrateToLatest());
}

/**
 * Applies the migrations up to and including `name`, no further: an upgrade test builds the schema
 * of an older release this way. Forward only here; oto's migrations are not meant to be undone.
 */
export function migrateUpTo(db: Db, name: string): Promise<MigrationReport> {
  if (!(name in migrations)) throw new RangeError(`no migration named "${name}"`);
  return migrateWith(db, (migrator) => migrator.migrateTo(name));
}

/** Every migration oto has, in the order they apply, each applied or pending. Changes nothing. */
export async function migrationStatus(db: Db): Promise<MigrationState[]> {
  const { migrator } = await otoMigrator(db);
  const infos = await migrator.getMigrations();
  return infos.map(({ name, executedAt }) => ({ name, appliedAt: executedAt ?? null }));
}

async function otoMigrator(db: Db) {
  const schema = await postgresSchema(db);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'oto_migrations',
    migrationLockTableName: 'oto_migrations_lock',
    migrationTableSchema: schema,
  });
  return { migrator, schema };
}

async function migrateWith(
  db: Db,
  run: (migrator: Migrator) => Promise<MigrationResultSet>,
): Promise<MigrationReport> {
  const { migrator, schema } = await otoMigrator(db);
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await run(migrator);
    if (!error) {
      return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
    }
    // Kysely's introspection reads every schema of the database and calls has_schema_privilege by
    // name; another schema dropped at that moment (a parallel test run, another deployment) makes
    // it fail with 3F000 although ours is fine. That read changes nothing, so it is safe to repeat.
    if (attempt >= 5 || !otherSchemaVanished(error, schema)) throw error;
  }
}

function otherSchemaVanished(error: unknown, ours: string | undefined): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== '3F000' || typeof message !== 'string') return false;
  return ours === undefined || !message.includes(`"${ours}"`);
}

/**
 * On PostgreSQL, the schema oto lives in (the first of search_path). Without it Kysely's migrator
 * looks for its bookkeeping tables in every schema of the database, so a second oto schema in the
 * same database (another deployment, or a parallel test run) made it believe they existed here.
 */
async function postgresSchema(db: Db): Promise<string | undefined> {
  if (dialectOf(db) !== 'postgres') return undefined;
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? undefined;
}
