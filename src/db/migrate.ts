import { sql } from 'kysely';
import { type MigrationResultSet, Migrator } from 'kysely/migration';
import { dialectOf } from './dialect.ts';
import { migrations } from './migrations/index.ts';
import type { Db } from './schema.ts';

export interface MigrationReport {
  applied: string[];
}

export interface MigrateOptions {
  /**
   * PostgreSQL: the schema oto lives in (DATABASE_SCHEMA); migrating creates it first. Without it,
   * the first schema of the connection's search_path.
   */
  schema?: string;
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
export function migrateToLatest(db: Db, options: MigrateOptions = {}): Promise<MigrationReport> {
  return migrateWith(db, options, (migrator) => migrator.migrateToLatest());
}

/**
 * Applies the migrations up to and including `name`, no further: an upgrade test builds the schema
 * of an older release this way. Forward only here; oto's migrations are not meant to be undone.
 */
export function migrateUpTo(db: Db, name: string, options: MigrateOptions = {}): Promise<MigrationReport> {
  if (!(name in migrations)) throw new RangeError(`no migration named "${name}"`);
  return migrateWith(db, options, (migrator) => migrator.migrateTo(name));
}

/** Every migration oto has, in the order they apply, each applied or pending. Changes nothing. */
export async function migrationStatus(db: Db, options: MigrateOptions = {}): Promise<MigrationState[]> {
  const { migrator } = await otoMigrator(db, options.schema);
  const infos = await migrator.getMigrations();
  return infos.map(({ name, executedAt }) => ({ name, appliedAt: executedAt ?? null }));
}

async function otoMigrator(db: Db, configured: string | undefined) {
  const schema = configured ?? (await postgresSchema(db));
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
  options: MigrateOptions,
  run: (migrator: Migrator) => Promise<MigrationResultSet>,
): Promise<MigrationReport> {
  if (options.schema !== undefined && dialectOf(db) === 'postgres') await createSchema(db, options.schema);
  const { migrator, schema } = await otoMigrator(db, options.schema);
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

/**
 * `if not exists` does not stop two instances that start together from both trying to create it,
 * and the loser fails on pg_namespace's unique index; the schema is there then, which is all it
 * needs. The connections' search_path names it already and finds it from the next statement on.
 */
async function createSchema(db: Db, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    const { rows } = await sql`select 1 from pg_namespace where nspname = ${schema}`.execute(db);
    if (rows.length === 0) throw error;
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
