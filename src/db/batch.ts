import { type Expression, type SqlBool, sql } from 'kysely';
import { dialectOf } from './dialect.ts';
import type { Db } from './schema.ts';

/**
 * `id` (or another primary key column) is one of the keys a bounded subquery selects: how the purge
 * deletes one batch.
 *
 * PostgreSQL plans `id IN (subquery)` as a join and, from its statistics, may join by scanning the
 * whole table; `id = ANY(ARRAY(subquery))` runs the subquery once and probes the primary key with
 * its result, whatever the table's size. SQLite probes the primary key for IN already. The subquery
 * itself should ORDER BY its indexed column with a LIMIT, so the index is read in order and only
 * as far as one batch.
 */
export function idInBatch(db: Db, batch: Expression<unknown>, column = 'id'): Expression<SqlBool> {
  const key = sql.ref(column);
  return dialectOf(db) === 'postgres'
    ? sql<SqlBool>`${key} = any(array(${batch}))`
    : sql<SqlBool>`${key} in (${batch})`;
}
