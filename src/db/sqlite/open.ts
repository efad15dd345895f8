import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Kysely } from 'kysely';
import { ping } from '../ping.ts';
import type { Database, Storage } from '../schema.ts';
import { type CheckpointerOptions, startCheckpointer } from './checkpointer.ts';
import { NodeSqliteDialect } from './dialect.ts';

/** `lockWaitMs`: how long a statement waits for the file's write lock held by another connection. */
export function openSqlite(path: string, checkpoints?: CheckpointerOptions, lockWaitMs?: number): Storage {
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
  const db = new Kysely<Database>({ dialect: new NodeSqliteDialect(open, checkpointer?.gate, lockWaitMs) });
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
  // savepoint inside a group commit (driver.ts), and with the default each one wrote the
  // original pages to a temporary file first. Measured on the reset request straight through the
  // flow: two thirds of its pwrite calls were those journals. The price is memory, as much as a
  // savepoint's changes; a purge batch, which changes the most, runs without one (driver.ts).
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
