import type { DatabaseSync } from 'node:sqlite';
import {
  type Dialect,
  type Driver,
  type Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { NodeSqliteDriver, type WriterGate } from './driver.ts';

/**
 * A Kysely dialect over Node's built-in `node:sqlite`.
 *
 * node:sqlite is synchronous and has one connection, so a mutex hands the connection to one
 * Kysely caller at a time: a transaction keeps it from its start to its commit, and nothing else
 * can interleave statements into it. Write transactions start with BEGIN IMMEDIATE, which takes
 * the file's write lock up front; a deferred BEGIN that upgrades later can fail with SQLITE_BUSY
 * without waiting, which would break the cross-process guarantees. Transactions are committed in
 * groups (see NodeSqliteDriver).
 */
export class NodeSqliteDialect implements Dialect {
  readonly #open: () => DatabaseSync;
  readonly #gate: WriterGate | undefined;
  readonly #lockWaitMs: number | undefined;

  constructor(open: () => DatabaseSync, gate?: WriterGate, lockWaitMs?: number) {
    this.#open = open;
    this.#gate = gate;
    this.#lockWaitMs = lockWaitMs;
  }

  createAdapter() {
    return new OtoSqliteAdapter();
  }
  createDriver(): Driver {
    return new NodeSqliteDriver(this.#open, this.#gate, this.#lockWaitMs);
  }
  createIntrospector(db: Kysely<unknown>) {
    return new SqliteIntrospector(db);
  }
  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }
}

/**
 * SQLite does run DDL inside transactions; saying so makes Kysely's migrator wrap each run in one.
 * The driver hands out its one connection itself (see NodeSqliteDriver), so Kysely's own
 * one-connection mutex is turned off: it would hold the connection until a group commits, and no
 * second transaction could ever join a group.
 */
class OtoSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}
