import type { Config } from '../config/config.ts';
import { type Context, createContext } from '../context.ts';
import { openStorage } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createLogger } from '../logging.ts';

// Kept here too for the commands that import them from this module.
export { configOrExit, exitWith, oneLine } from './exit.ts';

/** Opens the database, applies pending migrations, and builds the process's context. */
export async function openContext(
  config: Config,
  options: { logLevel?: string } = {},
): Promise<{ ctx: Context; applied: string[] }> {
  const logger = createLogger({ level: options.logLevel ?? config.logLevel });
  const storage = openStorage(config.database, { poolSize: config.dbPoolSize });
  const { applied } = await migrateToLatest(storage.db);
  const ctx = createContext(config, storage, logger);
  return { ctx, applied };
}
