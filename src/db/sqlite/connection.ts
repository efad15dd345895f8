import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { CompiledQuery, QueryResult } from 'kysely';

/** Statements that hand back rows; everything else reports the number of changed rows. */
const RETURNS_ROWS = /^\s*(select|with|pragma|values|explain)\b|\breturning\b/i;
const RETURNING = /\breturning\b/i;
const STATEMENT_CACHE_SIZE = 256;

/** Statements that cannot run inside a transaction, or must not wait for one. */
const OUTSIDE_GROUPS = /^\s*(pragma|vacuum|attach|detach)\b/i;
const READ_ONLY = /^\s*select\b/i;

/**
 * A prepared statement and what its SQL says about it, worked out once: the patterns scan the
 * whole text, which on a hot path cost more than the map lookup that finds them.
 */
interface Statement {
  readonly sync: StatementSync;
  readonly returnsRows: boolean;
  readonly returning: boolean;
  readonly readOnly: boolean;
  readonly outsideGroups: boolean;
}

export class SqliteConnection {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, Statement>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  execute<R>(compiled: CompiledQuery, statement = this.statement(compiled.sql)): QueryResult<R> {
    const parameters = compiled.parameters.map(toSqliteValue);
    if (statement.returnsRows) {
      const rows = statement.sync.all(...parameters) as R[];
      return { rows, numAffectedRows: statement.returning ? BigInt(rows.length) : undefined };
    }
    const { changes, lastInsertRowid } = statement.sync.run(...parameters);
    return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
  }

  exec(sql: string): void {
    this.statement(sql).sync.run();
  }

  get inTransaction(): boolean {
    return this.#db.isOpen && this.#db.isTransaction;
  }

  tryRollback(): void {
    try {
      if (this.#db.isOpen) this.#db.exec('rollback');
    } catch {
      // No transaction was open any more.
    }
  }

  close(): void {
    this.#statements.clear();
    if (this.#db.isOpen) this.#db.close();
  }

  /** Preparing is a large share of a short statement's cost, so prepared statements are reused. */
  statement(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = {
        sync: this.#db.prepare(sql),
        returnsRows: RETURNS_ROWS.test(sql),
        returning: RETURNING.test(sql),
        readOnly: READ_ONLY.test(sql),
        outsideGroups: OUTSIDE_GROUPS.test(sql),
      };
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#statements.keys().next().value;
        if (oldest !== undefined) this.#statements.delete(oldest);
      }
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

type SqliteValue = null | number | bigint | string | Uint8Array;

function toSqliteValue(value: unknown): SqliteValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return value;
  if (value instanceof Uint8Array) return value;
  return JSON.stringify(value);
}
