import { type Compilable, CompiledQuery, type InferResult, type QueryResult } from 'kysely';
import { dialectOf } from './dialect.ts';
import { nameStatement } from './postgres/statements.ts';
import type { Db } from './schema.ts';

/**
 * A query of the hot path, written with Kysely's typed builder but built and compiled only once per
 * dialect: later calls only bind new values to the compiled SQL.
 *
 * Why: on SQLite a point lookup or a one-row update takes node:sqlite 5 to 20 µs, and building and
 * compiling the same query with Kysely (immutable nodes, a visitor) took about as long again, plus
 * garbage. The flows run about ten such statements per request.
 *
 * How: the builder gets placeholders instead of values, each a string no caller can produce. After
 * compiling, each bound parameter is either a placeholder (filled from the call's values) or a
 * constant the builder wrote itself (kept). A placeholder must be used as a value only (a
 * comparison, a set, an inserted value, a limit), never to shape the query: the shape is fixed at
 * the first build.
 */
export interface PreparedQuery<P, R> {
  execute(db: Db, values: P): Promise<QueryResult<R>>;
  /** The rows it returned (a select, or a statement with RETURNING). */
  rows(db: Db, values: P): Promise<R[]>;
  first(db: Db, values: P): Promise<R | undefined>;
  /** Rows inserted, updated or deleted. */
  affected(db: Db, values: P): Promise<number>;
}

const MARK = '\u0000oto-placeholder\u0000';

type Slot = { name: string } | { constant: unknown };

interface Compiled {
  query: CompiledQuery;
  slots: Slot[];
}

// biome-ignore lint/suspicious/noExplicitAny: Kysely infers a query's row type from Compilable<any>.
export function prepared<P extends object, Q extends Compilable<any>>(
  build: (db: Db, values: P) => Q,
): PreparedQuery<P, InferResult<Q>[number]> {
  type R = InferResult<Q>[number];
  // One compiled form per dialect; a process normally uses one.
  const byAdapter = new Map<unknown, Compiled>();
  // Whatever value the builder reads, it gets that value's placeholder.
  const placeholders = new Proxy({}, { get: (_, name) => MARK + String(name) }) as P;

  function compiledFor(db: Db): Compiled {
    const adapter = db.getExecutor().adapter.constructor;
    let compiled = byAdapter.get(adapter);
    if (compiled === undefined) {
      const query = build(db, placeholders).compile();
      compiled = { query, slots: query.parameters.map(toSlot) };
      if (dialectOf(db) === 'postgres') nameStatement(query.sql);
      byAdapter.set(adapter, compiled);
    }
    return compiled;
  }

  async function execute(db: Db, values: P): Promise<QueryResult<R>> {
    const { query, slots } = compiledFor(db);
    const bound = values as Record<string, unknown>;
    const parameters = slots.map((slot) => ('name' in slot ? bound[slot.name] : slot.constant));
    return db.executeQuery<R>({ ...query, parameters } as CompiledQuery<R>);
  }

  return {
    execute,
    rows: async (db, values) => (await execute(db, values)).rows,
    first: async (db, values) => (await execute(db, values)).rows[0],
    affected: async (db, values) => Number((await execute(db, values)).numAffectedRows ?? 0n),
  };
}

/**
 * A statement written in PostgreSQL's own SQL, for a flow that does on PostgreSQL in one statement
 * what it does on SQLite in several (a data-modifying WITH). Sent as a named statement, like a
 * prepared query; its parameters are positional ($1, $2, …).
 */
export function postgresStatement<R>(text: string): { rows(db: Db, parameters: unknown[]): Promise<R[]> } {
  nameStatement(text);
  return {
    rows: async (db, parameters) => (await db.executeQuery<R>(CompiledQuery.raw(text, parameters))).rows,
  };
}

function toSlot(parameter: unknown): Slot {
  if (typeof parameter === 'string' && parameter.startsWith(MARK))
    return { name: parameter.slice(MARK.length) };
  return { constant: parameter };
}
