import type { Config } from '../config/config.ts';
import { openStorage, schemaOf } from '../db/connect.ts';
import { migrateToLatest, migrationStatus } from '../db/migrate.ts';

/** `oto migrate`: applies pending migrations and prints what it applied. */
export async function migrateCommand(config: Config): Promise<void> {
  const storage = openStorage(config.database, { poolSize: 1 });
  try {
    const { applied } = await migrateToLatest(storage.db, { schema: schemaOf(config.database) });
    process.stdout.write(
      applied.length ? `applied: ${applied.join(', ')}\n` : 'nothing to apply: up to date\n',
    );
  } finally {
    await storage.close();
  }
}

/**
 * `oto migrate status`: one line per migration, applied (with when) or pending, then a count. It
 * only reads, so it is safe against a live database before an upgrade; pending is no failure.
 */
export async function migrateStatusCommand(config: Config): Promise<void> {
  const storage = openStorage(config.database, { poolSize: 1 });
  try {
    const states = await migrationStatus(storage.db, { schema: schemaOf(config.database) });
    const width = Math.max(...states.map((state) => state.name.length));
    const lines = states.map(({ name, appliedAt }) =>
      appliedAt
        ? `${name.padEnd(width)}  applied  ${appliedAt.toISOString()}`
        : `${name.padEnd(width)}  pending`,
    );
    const pending = states.filter((state) => state.appliedAt === null).length;
    lines.push(
      pending === 0
        ? `${states.length} migrations, all applied: up to date`
        : `${states.length} migrations, ${pending} pending: run oto migrate`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await storage.close();
  }
}
