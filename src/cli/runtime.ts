import type { Config } from '../config/config.ts';
import { ConfigError } from '../config/env.ts';
import { type Context, createContext } from '../context.ts';
import { openStorage, schemaOf } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createLogger } from '../logging.ts';
import { keyRingFor } from '../tokens/keyring.ts';

import { exitWith } from './exit.ts';

// Kept here too for the commands that import them from this module.
export { configOrExit, exitWith, oneLine } from './exit.ts';

/** Opens the database, applies pending migrations, and builds the process's context. */
export async function openContext(
  config: Config,
  options: { logLevel?: string } = {},
): Promise<{ ctx: Context; applied: string[] }> {
  signingKeysOrExit(config);
  const logger = createLogger({ level: options.logLevel ?? config.logLevel });
  const storage = openStorage(config.database, {
    poolSize: config.dbPoolSize,
    poolTimeoutMs: config.dbPoolTimeoutMs,
  });
  const { applied } = await migrateToLatest(storage.db, { schema: schemaOf(config.database) });
  const ctx = createContext(config, storage, logger);
  return { ctx, applied };
}

/**
 * Loads the signing keys at start-up rather than on the first unsubscribe link: a production
 * configuration without OTO_SIGNING_KEYS refuses to start, and development creates its key now.
 */
export function signingKeysOrExit(config: Config): void {
  try {
    keyRingFor(config);
  } catch (error) {
    if (error instanceof ConfigError) exitWith(`oto: configuration error: ${error.message}`);
    throw error;
  }
}
