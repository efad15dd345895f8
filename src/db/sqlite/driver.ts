import type { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from 'kysely';
import { SqliteConnection } from './connection.ts';

/**
 * Lets another thread ask for a moment with no write transaction open on this connection (the
 * checkpointer, src/db/sqlite/checkpointer.ts). The driver asks it before each BEGIN.
 */
export interface WriterGate {
  /** Whether a pause is wanted now; cheap, asked before every group. */
  wanted(): boolean;
  /** Pauses the writers until the other thread is done (or gave up). */
  hold(): Promise<void>;
}

/**
 * Group commit. Every Kysely transaction is a savepoint inside one physical transaction that
 * transactions arriving in the same turn of the event loop share; that physical transaction
 * commits once none of them is left waiting for the connection. A transaction's commit resolves
 * only after that COMMIT, so nothing is reported done before it is on disk (as far as
 * synchronous=NORMAL puts anything there). A rolled-back transaction undoes its own savepoint only.
 *
 * Why: on SQLite the commit is most of a short transaction's cost (BEGIN IMMEDIATE takes the
 * file's write lock and COMMIT appends every page the transaction dirtied to the WAL). Transactions
 * of the same turn write to the same right-hand pages of the time-ordered indexes, so a group
 * writes far fewer pages than its members would one by one. Measured with the verify-email flow's
 * statements straight through node:sqlite: 80 µs a flow committed alone, 44 µs in groups of 16.
 *
 * The price: if the COMMIT itself fails (disk full, I/O error), every member of the group fails
 * with it, each correctly reported as not done. A statement outside any transaction is a member
 * of its own (Lease.executeQuery).
 */
const MEMBER = 'oto_group_member';
/** A group commits once it has this many members, even with more transactions waiting. */
const MAX_GROUP = 64;
/**
 * How long a statement waits for another connection's write lock (another process, a checkpoint)
 * by default, counted from when it began to wait for this process's connection: a request queued
 * behind a writer that is itself waiting gives up when its own wait is over, not one wait later.
 */
const LOCK_WAIT_MS = 10_000;

interface Member {
  resolve(): void;
  reject(error: unknown): void;
}

export class NodeSqliteDriver implements Driver {
  readonly #open: () => DatabaseSync;
  readonly #gate: WriterGate | undefined;
  readonly lockWaitMs: number;
  #connection: SqliteConnection | undefined;
  #queue: Promise<void> = Promise.resolve();
  #groupOpen = false;
  #members: Member[] = [];
  #flushScheduled = false;

  constructor(open: () => DatabaseSync, gate: WriterGate | undefined, lockWaitMs = LOCK_WAIT_MS) {
    this.#open = open;
    this.#gate = gate;
    this.lockWaitMs = lockWaitMs;
  }

  async init(): Promise<void> {
    const database = this.#open();
    // Lock waits happen here, asynchronously (retryWhileBusy), not inside SQLite's busy handler,
    // which sleeps on the event loop's thread in steps of up to 100 ms.
    database.exec('pragma busy_timeout = 0');
    this.#connection = new SqliteConnection(database);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const waitingSince = performance.now();
    return new Lease(this, this.#connection!, await this.lock(), waitingSince);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const sqlite = connection as Lease;
    await this.joinGroup(sqlite);
    sqlite.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const sqlite = connection as Lease;
    sqlite.inTransaction = false;
    await this.leaveGroup(sqlite);
  }

  /** Opens a group unless one is open. The caller holds the lease. */
  async enterGroup(lease: Lease): Promise<void> {
    if (!this.#groupOpen) {
      // Between two groups this connection holds no lock at all: the one moment the checkpointer
      // can restart the log. The caller holds the lease, so every writer waits with it.
      if (this.#gate?.wanted()) await this.#gate.hold();
      await retryWhileBusy(() => lease.exec('begin immediate'), lease.waitingSince + this.lockWaitMs);
      this.#groupOpen = true;
    }
  }

  /** Opens a member savepoint, in the open group or in a new one. The caller holds the lease. */
  async joinGroup(lease: Lease): Promise<void> {
    await this.enterGroup(lease);
    lease.exec(`savepoint ${MEMBER}`);
  }

  /**
   * Keeps the member's work, hands the connection on so that more members can join, and resolves
   * once the group has committed.
   */
  async leaveGroup(lease: Lease): Promise<void> {
    try {
      lease.exec(`release ${MEMBER}`);
    } catch (error) {
      this.#abandonGroup(error);
      throw error;
    }
    await this.awaitCommit(lease);
  }

  /**
   * After a lone statement failed. SQLite undoes a failed statement by itself and keeps the
   * transaction, except after errors such as a full disk or an I/O error, where it rolls the whole
   * transaction back: then the group is lost.
   */
  statementFailed(error: unknown): void {
    if (!this.#connection!.inTransaction) this.#abandonGroup(error);
    else this.#scheduleGroupCommit();
  }

  /** Hands the connection on so that more members can join; resolves once the group has committed. */
  async awaitCommit(lease: Lease): Promise<void> {
    const committed = new Promise<void>((resolve, reject) => this.#members.push({ resolve, reject }));
    if (this.#members.length >= MAX_GROUP) this.commitOpenGroup();
    else this.#scheduleGroupCommit();
    lease.release();
    await committed;
  }

  /** Undoes the member's work only; the group goes on. The caller holds the lease. */
  rollbackMember(lease: Lease): void {
    try {
      lease.exec(`rollback to ${MEMBER}`);
      lease.exec(`release ${MEMBER}`);
    } catch (error) {
      // SQLite rolled the whole physical transaction back itself (I/O error, disk full): the
      // members committed before this one are gone too.
      this.#abandonGroup(error);
      return;
    }
    this.#scheduleGroupCommit();
  }

  get groupOpen(): boolean {
    return this.#groupOpen;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const sqlite = connection as Lease;
    // Kysely rolls back after a failed commit too. When the group's COMMIT failed, this lease has
    // long handed the connection on and the failed group is already rolled back: touching the
    // connection now would undo whatever transaction holds it at the moment.
    if (!sqlite.held) return;
    sqlite.inTransaction = false;
    this.rollbackMember(sqlite);
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    (connection as Lease).exec(`savepoint ${quoteIdentifier(name)}`);
  }
  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    (connection as Lease).exec(`rollback to ${quoteIdentifier(name)}`);
  }
  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    (connection as Lease).exec(`release ${quoteIdentifier(name)}`);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as Lease).release();
  }

  async destroy(): Promise<void> {
    const release = await this.lock();
    this.commitOpenGroup();
    this.#connection?.close();
    this.#connection = undefined;
    release();
  }

  /**
   * A FIFO mutex over the one connection; the release it hands out is safe to call twice. Also
   * takes the connection back for a lease that handed it on (see Lease.executeQuery).
   */
  async lock(): Promise<() => void> {
    const previous = this.#queue;
    let unlock!: () => void;
    this.#queue = new Promise((resolve) => {
      unlock = resolve;
    });
    await previous;
    return unlock;
  }

  /**
   * Commits the open group, if any; the caller holds the connection. Also run before a statement
   * that must not run inside a group.
   */
  commitOpenGroup(): void {
    if (!this.#groupOpen) return;
    try {
      this.#connection!.exec('commit');
    } catch (error) {
      this.#abandonGroup(error);
      return;
    }
    const members = this.#members;
    this.#members = [];
    this.#groupOpen = false;
    for (const member of members) member.resolve();
  }

  /** The group is lost (its COMMIT failed, or SQLite rolled it back): every waiting member fails. */
  #abandonGroup(error: unknown): void {
    const members = this.#members;
    this.#members = [];
    this.#groupOpen = false;
    this.#connection?.tryRollback();
    for (const member of members) member.reject(error);
  }

  /**
   * After the transactions that are ready in this turn of the event loop have run, commit them:
   * the lock is queued behind every transaction already waiting, which therefore joins the group.
   * Also after a failure: a group that nobody joins again must still end, or it would keep the
   * file's write lock from every other connection (another oto process) while this one is idle.
   */
  #scheduleGroupCommit(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(async () => {
      this.#flushScheduled = false;
      const release = await this.lock();
      try {
        this.commitOpenGroup();
      } finally {
        release();
      }
    });
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' && (code & 0xff) === 5;
}

/**
 * Runs a statement, retrying while another connection holds a lock it needs (SQLITE_BUSY):
 * a failed attempt did nothing, and the wait lets the event loop serve other work meanwhile.
 */
async function retryWhileBusy<T>(attempt: () => T, deadline: number): Promise<T> {
  for (;;) {
    try {
      return attempt();
    } catch (error) {
      if (!isBusy(error) || performance.now() > deadline) throw error;
    }
    await sleep(1);
  }
}

/** What Kysely holds between acquiring and releasing the connection: one per acquisition. */
class Lease implements DatabaseConnection {
  readonly #driver: NodeSqliteDriver;
  readonly connection: SqliteConnection;
  #release: (() => void) | undefined;
  /** Set by the driver while a Kysely transaction is open on this lease. */
  inTransaction = false;
  /** When the holder began to wait for the connection (performance.now()): its lock waits end from here. */
  waitingSince: number;

  constructor(
    driver: NodeSqliteDriver,
    connection: SqliteConnection,
    release: () => void,
    waitingSince: number,
  ) {
    this.#driver = driver;
    this.connection = connection;
    this.#release = release;
    this.waitingSince = waitingSince;
  }

  /**
   * Inside a transaction, runs the statement. Outside one, a statement is a member of a group of
   * its own: a write waits for the group's commit like any transaction, and a read while a group
   * is open waits for it too, so that what it saw is committed before anyone acts on it. A read
   * with no group open reads committed data as it is.
   */
  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (this.inTransaction) return this.connection.execute(compiled);
    // A lease from db.connection() runs several statements and handed the connection on after
    // the previous one.
    if (!this.held) {
      this.waitingSince = performance.now();
      this.#release = await this.#driver.lock();
    }
    const deadline = this.waitingSince + this.#driver.lockWaitMs;
    const statement = this.connection.statement(compiled.sql);
    if (statement.outsideGroups) {
      this.#driver.commitOpenGroup();
      return retryWhileBusy(() => this.connection.execute<R>(compiled, statement), deadline);
    }
    if (!this.#driver.groupOpen && statement.readOnly) {
      // A WAL reader can still meet SQLITE_BUSY while another process recovers the log.
      return retryWhileBusy(() => this.connection.execute<R>(compiled, statement), deadline);
    }
    // A lone statement needs no savepoint: SQLite makes every statement atomic by itself. Without
    // one, a statement that changes many rows (a purge batch) keeps no copy of the pages it
    // changes for the length of the statement, which with temp_store=memory would sit in memory.
    await this.#driver.enterGroup(this);
    let result: QueryResult<R>;
    try {
      result = this.connection.execute<R>(compiled, statement);
    } catch (error) {
      this.#driver.statementFailed(error);
      throw error;
    }
    await this.#driver.awaitCommit(this);
    return result;
  }

  exec(sql: string): void {
    this.connection.exec(sql);
  }

  get held(): boolean {
    return this.#release !== undefined;
  }

  /** Hands the connection to the next caller; a second call does nothing. */
  release(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  // biome-ignore lint/correctness/useYield: streaming is not used by oto; Kysely requires the method.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported by the node:sqlite dialect');
  }
}
