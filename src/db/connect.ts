import type { DatabaseTarget } from '../config/config.ts';
import { openPostgres } from './postgres/open.ts';
import type { Storage } from './schema.ts';
import type { CheckpointerOptions } from './sqlite/checkpointer.ts';
import { openSqlite } from './sqlite/open.ts';

export interface StorageOptions {
  poolSize?: number;
  /**
   * How long a query waits for the database before it fails as unavailable (a 503): on PostgreSQL
   * for a pooled connection, or a new one; on SQLite for the file's write lock held elsewhere.
   */
  poolTimeoutMs?: number;
  /** SQLite: how the background checkpointer runs (the defaults suit production). */
  checkpoints?: CheckpointerOptions;
}

/** The PostgreSQL schema oto's tables live in, when DATABASE_SCHEMA names one. */
export const schemaOf = (target: DatabaseTarget): string | undefined =>
  target.kind === 'postgres' ? target.schema : undefined;

export function openStorage(target: DatabaseTarget, options: StorageOptions = {}): Storage {
  return target.kind === 'postgres'
    ? openPostgres(target.url, {
        poolSize: options.poolSize ?? 10,
        timeoutMs: options.poolTimeoutMs ?? 5000,
        schema: target.schema,
      })
    : openSqlite(target.path, options.checkpoints, options.poolTimeoutMs);
}
