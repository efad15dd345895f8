import pg from 'pg';

/**
 * What one PostgreSQL run cost the database, beside its latency: the share of HOT updates on the
 * tables the flows update, the write-ahead log written per request, and the statements (round
 * trips) per request.
 *
 * - HOT share: n_tup_hot_upd / n_tup_upd from pg_stat_user_tables, before and after the run. A
 *   backend publishes its counters at the end of a transaction at most once a second, and the rest
 *   when it has been idle for 10 s, so the figures after the run are read 10.5 s after it.
 * - WAL per request: pg_current_wal_lsn() before and after, over the requests. That counts the
 *   whole cluster, whoever wrote it; other work on a shared server inflates it. So beside it, when
 *   pg_walinspect can be installed (into the bench schema, dropped with it), the bytes of the WAL
 *   records that touch this schema's tables and indexes, plus the commit records of their
 *   transactions: oto's own WAL. Both are printed (the own figure only while the server still holds
 *   the run's WAL segments).
 * - Statements per request: every call of node-pg's Client#query in the server process, counted
 *   there behind BENCH_COUNT_STATEMENTS=1 (bench/server.ts). node-pg never pipelines, so each call
 *   is one round trip (BEGIN and COMMIT included); a named statement's Parse, Bind and Execute go
 *   in one message batch.
 */

export const HOT_TABLES = ['security_tokens', 'sessions', 'email_outbox'] as const;
type HotTable = (typeof HOT_TABLES)[number];

export interface HotShare {
  updates: number;
  hot: number;
}

export interface PgRunStats {
  hot: Record<HotTable, HotShare>;
  walBytesPerRequest: number;
  /** null when pg_walinspect is not available. */
  ownWalBytesPerRequest: number | null;
  /**
   * The same without full-page images: the first change of a page after each checkpoint logs the
   * whole page, so that part depends on when checkpoints fall; the rest is the steady cost.
   */
  ownWalNoFpiBytesPerRequest: number | null;
  statementsPerRequest: number | null;
}

interface Snapshot {
  lsn: string;
  counters: Record<HotTable, HotShare>;
}

export class PgStats {
  readonly #client: pg.Client;
  readonly #schema: string;
  readonly #walinspect: boolean;

  private constructor(client: pg.Client, schema: string, walinspect: boolean) {
    this.#client = client;
    this.#schema = schema;
    this.#walinspect = walinspect;
  }

  /** Connects to the bench database (its URL carries the bench schema as search_path). */
  static async open(url: string): Promise<PgStats> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const schema = (await client.query<{ s: string }>('select current_schema() as s')).rows[0]!.s;
    let walinspect = false;
    try {
      await client.query(`create extension if not exists pg_walinspect schema ${schema}`);
      walinspect = true;
    } catch {
      // Already installed in another schema (a concurrent bench), or not available: cluster WAL only.
    }
    return new PgStats(client, schema, walinspect);
  }

  async snapshot(): Promise<Snapshot> {
    const lsn = (await this.#client.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn'))
      .rows[0]!.lsn;
    return { lsn, counters: await this.#counters() };
  }

  /** The run's figures, from the snapshot taken before it. */
  async since(before: Snapshot, requests: number, statements: number | null): Promise<PgRunStats> {
    const lsn = (await this.#client.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn'))
      .rows[0]!.lsn;
    const wal = Number(
      (await this.#client.query<{ d: string }>('select pg_wal_lsn_diff($1, $2) as d', [lsn, before.lsn]))
        .rows[0]!.d,
    );
    // A long run may outlast the WAL it wrote: PostgreSQL recycles segments past max_wal_size,
    // and then only the cluster's figure is left.
    const own = this.#walinspect ? await this.#ownWal(before.lsn, lsn).catch(() => null) : null;
    const after = await this.#settledCounters();
    const hot = {} as Record<HotTable, HotShare>;
    for (const table of HOT_TABLES) {
      hot[table] = {
        updates: after[table].updates - before.counters[table].updates,
        hot: after[table].hot - before.counters[table].hot,
      };
    }
    const per = (n: number) => Math.round(n / Math.max(1, requests));
    return {
      hot,
      walBytesPerRequest: per(wal),
      ownWalBytesPerRequest: own === null ? null : per(own.bytes),
      ownWalNoFpiBytesPerRequest: own === null ? null : per(own.bytes - own.fpi),
      statementsPerRequest: statements === null ? null : Math.round((statements / requests) * 100) / 100,
    };
  }

  async close(): Promise<void> {
    await this.#client.end();
  }

  async #counters(): Promise<Record<HotTable, HotShare>> {
    const { rows } = await this.#client.query<{ relname: HotTable; upd: string; hot: string }>(
      `select relname, n_tup_upd as upd, n_tup_hot_upd as hot from pg_stat_user_tables
       where schemaname = $1 and relname = any($2)`,
      [this.#schema, HOT_TABLES],
    );
    const counters = {} as Record<HotTable, HotShare>;
    for (const table of HOT_TABLES) {
      const row = rows.find((r) => r.relname === table);
      counters[table] = { updates: Number(row?.upd ?? 0), hot: Number(row?.hot ?? 0) };
    }
    return counters;
  }

  /**
   * The counters once every backend has reported: an idle backend publishes what it holds 10 s
   * after its last transaction (PGSTAT_IDLE_INTERVAL), so they are read 10.5 s after the run.
   */
  async #settledCounters(): Promise<Record<HotTable, HotShare>> {
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    return this.#counters();
  }

  /** Bytes of the WAL records in [from, to) that touch this schema's relations, with their commits. */
  async #ownWal(from: string, to: string): Promise<{ bytes: number; fpi: number }> {
    const { rows } = await this.#client.query<{ bytes: string | null; fpi: string | null }>(
      `with mine as (
         select pg_relation_filenode(c.oid)::text as node from pg_class c
         where c.relnamespace = $3::regnamespace and pg_relation_filenode(c.oid) is not null
       ), records as (
         select xid, record_length, fpi_length, resource_manager, record_type,
                (select array_agg(m[1]) from regexp_matches(coalesce(block_ref, ''), 'rel \\d+/\\d+/(\\d+)', 'g') m) as nodes
         from ${this.#schema}.pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)
       ), touching as (
         select * from records where nodes && (select array_agg(node) from mine)
       )
       select (select coalesce(sum(record_length), 0) from touching)
            + (select coalesce(sum(record_length), 0) from records
               where resource_manager = 'Transaction' and xid in (select xid from touching where xid <> '0'))
              as bytes,
            (select coalesce(sum(fpi_length), 0) from touching) as fpi`,
      [from, to, this.#schema],
    );
    return { bytes: Number(rows[0]?.bytes ?? 0), fpi: Number(rows[0]?.fpi ?? 0) };
  }
}

export function hotPercent(share: HotShare): string {
  if (share.updates === 0) return '-';
  return `${((share.hot / share.updates) * 100).toFixed(1)}% of ${share.updates}`;
}
