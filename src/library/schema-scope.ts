import { sql } from 'kysely';
import { dialectOf } from '../db/dialect.ts';
import type { Db } from '../db/schema.ts';

/**
 * Runs oto's statements in the app's own transaction. When oto's tables live in a PostgreSQL schema
 * of their own, the app's connection does not look there, and oto's table names (users, sessions)
 * may well be the app's too. So the schema is put on the search_path for oto's statements only, and
 * the app's path is put back before its own next statement: set_config(…, true) is local to the
 * transaction, so nothing outlives it even if the restore is never reached.
 */
export interface SchemaScope {
  within<T>(trx: Db, work: (db: Db) => Promise<T>): Promise<T>;
}

export function schemaScope(schema: string | undefined): SchemaScope {
  return {
    async within(trx, work) {
      if (schema === undefined || dialectOf(trx) !== 'postgres') return work(trx);
      if (!trx.isTransaction)
        throw new TypeError('trx: with a PostgreSQL schema, pass a transaction (db.transaction().execute)');
      const { rows } = await sql<{ path: string }>`select current_setting('search_path') as path`.execute(
        trx,
      );
      const previous = rows[0]?.path ?? '';
      await sql`select set_config('search_path', ${schema}, true)`.execute(trx);
      try {
        return await work(trx);
      } finally {
        await sql`select set_config('search_path', ${previous}, true)`.execute(trx);
      }
    },
  };
}
