import { randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import type { DatabaseTarget } from '../../src/config/config.ts';
import { newId } from '../../src/db/ids.ts';
import { openSqliteFile } from '../../src/db/sqlite/open.ts';
import { generateToken, hashToken } from '../../src/tokens/secret.ts';

const DAY = 86_400_000;

/** A live token row to insert: the clear token stays with the benchmark, only its hash is stored. */
export interface TokenRow {
  purpose: string;
  subject?: string | null;
  userId?: string | null;
  /** Already a fingerprint, as the engine stores it. */
  binding?: string | null;
}

export interface BenchUser {
  id: string;
  /** Already normalised (lower case). */
  email: string;
}

/** Not a real hash: the benchmark never logs these users in. */
const PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hiZW5jaGJlbmNo$bench';

function userValues(users: BenchUser[], verified: boolean) {
  const now = Date.now();
  return users.map((u) => [u.id, u.email, u.email, PASSWORD_HASH, verified ? now : null, now, now] as const);
}

/**
 * Direct access to the benchmark's database for loading data fast, outside the server under
 * test: filler rows in bulk inside the database (generate_series, a recursive CTE) and live tokens
 * made exactly as the engine makes them (random 32 bytes, SHA-256 stored).
 */
export interface BenchStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** Inserts tokens, live from `createdAt` (default now) for `ttlMs`; returns them in the clear, in order. */
  insertTokens(rows: TokenRow[], ttlMs?: number, createdAt?: number): Promise<string[]>;
  /** Inserts users (verified or not) with the given ids and addresses. */
  insertUsers(users: BenchUser[], verified: boolean): Promise<void>;
  /** Adds `count` filler tokens: a mix of live and used ones, all live, or all long expired. */
  insertFiller(count: number, kind: 'mixed' | 'live' | 'expired'): Promise<void>;
  clearTokens(): Promise<void>;
  countTokens(): Promise<number>;
  /** Runs raw SQL (seeding users and the like), with $1-style placeholders on both dialects. */
  exec(sql: string, params?: unknown[]): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** After a bulk load: fresh planner statistics (PostgreSQL), an emptied write-ahead log (SQLite). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export function openBenchStore(target: DatabaseTarget): Promise<BenchStore> {
  return target.kind === 'postgres' ? openPostgres(target.url) : Promise.resolve(openSqlite(target.path));
}

function tokenRows(rows: TokenRow[], now: number, ttlMs: number) {
  return rows.map((row) => {
    const token = generateToken();
    return {
      token,
      values: [
        newId(now),
        hashToken(token),
        row.purpose,
        row.userId ?? null,
        row.subject ?? null,
        row.binding ?? null,
        now,
        now + ttlMs,
      ] as const,
    };
  });
}

function openSqlite(path: string): BenchStore {
  const db: DatabaseSync = openSqliteFile(path);
  const sqliteParams = (sql: string) => sql.replace(/\$\d+/g, '?');
  return {
    dialect: 'sqlite',
    async insertTokens(rows, ttlMs = DAY, createdAt = Date.now()) {
      const insert = db.prepare(
        `insert into security_tokens (id, token_hash, purpose, user_id, subject, binding, created_at, expires_at)
         values (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const made = tokenRows(rows, createdAt, ttlMs);
      db.exec('begin immediate');
      try {
        for (const { values } of made) insert.run(...values);
        db.exec('commit');
      } catch (error) {
        db.exec('rollback');
        throw error;
      }
      return made.map((row) => row.token);
    },
    async insertUsers(users, verified) {
      const insert = db.prepare(
        `insert into users (id, email, email_normalized, password_hash, email_verified_at, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?)`,
      );
      db.exec('begin immediate');
      try {
        for (const values of userValues(users, verified)) insert.run(...values);
        db.exec('commit');
      } catch (error) {
        db.exec('rollback');
        throw error;
      }
    },
    async insertFiller(count, kind) {
      const now = Date.now();
      const run = randomBytes(4).toString('hex');
      const [created, expires] = kind === 'expired' ? [now - 31 * DAY, now - 30 * DAY] : [now, now + DAY];
      const usedAt = kind === 'mixed' ? `case when x % 3 = 0 then ${now} else null end` : 'null';
      db.prepare(
        `insert into security_tokens (id, token_hash, purpose, subject, created_at, expires_at, used_at)
         with recursive g(x) as (select 1 union all select x + 1 from g where x < ?)
         select 'fill-${run}-' || x, lower(hex(randomblob(32))), 'bench-fill', 'filler-' || (x % 1000),
                ?, ?, ${usedAt}
         from g`,
      ).run(count, created, expires);
    },
    async clearTokens() {
      db.exec('delete from security_tokens');
    },
    async countTokens() {
      return Number((db.prepare('select count(*) as n from security_tokens').get() as { n: number }).n);
    },
    async exec(sql, params = []) {
      db.prepare(sqliteParams(sql)).run(...(params as never[]));
    },
    async query<T>(sql: string, params: unknown[] = []) {
      return db.prepare(sqliteParams(sql)).all(...(params as never[])) as T[];
    },
    async settle() {
      db.exec('pragma wal_checkpoint(truncate)');
    },
    async close() {
      db.close();
    },
  };
}

async function openPostgres(url: string): Promise<BenchStore> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    dialect: 'postgres',
    async insertTokens(rows, ttlMs = DAY, createdAt = Date.now()) {
      const made = tokenRows(rows, createdAt, ttlMs);
      for (let start = 0; start < made.length; start += 10_000) {
        const chunk = made.slice(start, start + 10_000);
        const columns = Array.from({ length: 8 }, (_, i) => chunk.map((row) => row.values[i]));
        await client.query(
          `insert into security_tokens (id, token_hash, purpose, user_id, subject, binding, created_at, expires_at)
           select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                $7::bigint[], $8::bigint[])`,
          columns,
        );
      }
      return made.map((row) => row.token);
    },
    async insertUsers(users, verified) {
      const rows = userValues(users, verified);
      for (let start = 0; start < rows.length; start += 10_000) {
        const chunk = rows.slice(start, start + 10_000);
        const columns = Array.from({ length: 7 }, (_, i) => chunk.map((row) => row[i]));
        await client.query(
          `insert into users (id, email, email_normalized, password_hash, email_verified_at, created_at, updated_at)
           select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
                                $7::bigint[])`,
          columns,
        );
      }
    },
    async insertFiller(count, kind) {
      const now = Date.now();
      const run = randomBytes(4).toString('hex');
      const [created, expires] = kind === 'expired' ? [now - 31 * DAY, now - 30 * DAY] : [now, now + DAY];
      const usedAt = kind === 'mixed' ? `case when g % 3 = 0 then ${now}::bigint end` : 'null';
      await client.query(
        `insert into security_tokens (id, token_hash, purpose, subject, created_at, expires_at, used_at)
         select 'fill-${run}-' || g, encode(sha256(('${run}' || g)::bytea), 'hex'), 'bench-fill',
                'filler-' || (g % 1000), $2::bigint, $3::bigint, ${usedAt}
         from generate_series(1, $1::int) as g`,
        [count, created, expires],
      );
    },
    async clearTokens() {
      await client.query('delete from security_tokens');
    },
    async countTokens() {
      const result = await client.query<{ n: string }>('select count(*) as n from security_tokens');
      return Number(result.rows[0]!.n);
    },
    async exec(sql, params = []) {
      await client.query(sql, params);
    },
    async query<T>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
    async settle() {
      // Named tables only: a bare VACUUM would walk every schema on the shared server.
      await client.query('vacuum analyze security_tokens, users, email_outbox');
    },
    async close() {
      await client.end();
    },
  };
}
