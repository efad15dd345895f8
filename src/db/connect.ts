import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { DatabaseTarget } from '../config/config.ts';
import { statementName } from './prepared.ts';
import type { Database, Db, Storage } from './schema.ts';
import { type CheckpointerOptions, startCheckpointer } from './sqlite-checkpointer.ts';
import { NodeSqliteDialect } from './sqlite-dialect.ts';

export interface StorageOptions {
  poolSize?: number;
  /** SQLite: how the background checkpointer runs (the defaults suit production). */
  checkpoints?: CheckpointerOptions;
}

export function openStorage(target: DatabaseTarget, options: StorageOptions = {}): Storage {
  return target.kind === 'postgres'
    ? openPostgres(target.url, options.poolSize ?? 10)
    : openSqlite(target.path, options.checkpoints);
}

function openSqlite(path: string, checkpoints?: CheckpointerOptions): Storage {
  const background = path !== ':memory:';
  let database: DatabaseSync | undefined;
  const open = () => {
    database = openSqliteFile(path, { backgroundCheckpoints: background });
    return database;
  };
  const checkpointer = background
    ? startCheckpointer(
        path,
        () => {
          if (database?.isOpen) database.exec('pragma wal_autocheckpoint = 1000');
        },
        checkpoints,
      )
    : undefined;
  const db = new Kysely<Database>({ dialect: new NodeSqliteDialect(open, checkpointer?.gate) });
  return {
    db,
    ping: () => ping(db),
    async close() {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

export function openSqliteFile(
  path: string,
  options: { backgroundCheckpoints?: boolean } = {},
): DatabaseSync {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new DatabaseSync(path);
  // WAL lets readers work while one writer commits; the busy timeout makes a second process wait
  // for the write lock instead of failing; SQLite leaves foreign keys off unless asked.
  // synchronous=NORMAL is safe with WAL: a crash of the process loses nothing, and a power cut
  // can lose only the last transactions, each one whole (a token and its state change together).
  // secure_delete zeroes the bytes of deleted or rewritten rows inside their pages, so an erased
  // email body (which held a link) does not linger in free space of the file.
  // temp_store=memory keeps the statement journals of savepoints in memory: every transaction is a
  // savepoint inside a group commit (sqlite-dialect.ts), and with the default each one wrote the
  // original pages to a temporary file first. Measured on the reset request straight through the
  // flow: two thirds of its pwrite calls were those journals. The price is memory, as much as a
  // savepoint's changes; a purge batch, which changes the most, runs without one (sqlite-dialect.ts).
  database.exec(`
    pragma journal_mode = wal;
    pragma busy_timeout = 10000;
    pragma foreign_keys = on;
    pragma synchronous = normal;
    pragma secure_delete = fast;
    pragma temp_store = memory;
  `);
  if (options.backgroundCheckpoints) database.exec('pragma wal_autocheckpoint = 0');
  database.function('sha256_hex', { deterministic: true }, sha256Hex);
  return database;
}

/**
 * sha256_hex(prefix, text) in SQLite: the hex SHA-256 of prefix's bytes followed by text's UTF-8,
 * what PostgreSQL writes as encode(sha256(prefix || convert_to(text, 'UTF8')), 'hex'). With it a
 * statement can compare a token's stored binding fingerprint with one it computes from the row it
 * reads (src/accounts/verify-email.ts). NULL in, NULL out, as SQL functions go.
 */
function sha256Hex(prefix: unknown, text: unknown): string | null {
  if (!(prefix instanceof Uint8Array) || text === null) return null;
  return createHash('sha256').update(prefix).update(String(text)).digest('hex');
}

// Epoch-millisecond columns are bigint; they fit a JavaScript number, so parse them as one.
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

function openPostgres(url: string, poolSize: number): Storage {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: pgTypes as pg.CustomTypesConfig,
    // A dead database must give a quick 503, not a request that hangs.
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
  });
  // A client whose server went away emits 'error'; without a listener that kills the process. The
  // pool listens to its idle clients only, so each client gets a listener of its own as well, for
  // the moment it is checked out between two queries. The failure still reaches the query that
  // meets it (as a 503), and the pool drops the broken client when it is released.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
    useNamedStatements(client);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    ping: () => ping(db),
    close: () => db.destroy(),
  };
}

/**
 * Kysely calls client.query(sql, parameters). For the SQL of a prepared query, the call goes out as
 * a named statement, which this connection parses and plans once (src/db/prepared.ts).
 */
function useNamedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (config: unknown, values?: unknown) => unknown;
  (client as { query: unknown }).query = (config: unknown, values?: unknown) => {
    const name = typeof config === 'string' ? statementName(config) : undefined;
    return name === undefined ? query(config, values) : query({ name, text: config, values });
  };
}

async function ping(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
