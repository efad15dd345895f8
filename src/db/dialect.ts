import { PostgresAdapter } from 'kysely';
import type { Dialect } from './schema.ts';

/** Any Kysely handle or transaction, of oto's schema or another (a migration's). */
interface Handle {
  getExecutor(): { readonly adapter: unknown };
}

/**
 * Which database a handle (or a transaction of one) talks to: the one way oto asks, for the few
 * statements that each dialect writes in its own SQL.
 */
export function dialectOf(db: Handle): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
