/**
 * `npm run bench:scale`: whether oto's cost on PostgreSQL stays flat as security_tokens grows and
 * churns (issue 22), in three parts, each printed with its target and pass or fail:
 *
 * 1. scale: token-API consume p50 with BENCH_DIET_ROWS live tokens in the table against 10,000
 *    (the same fixed number of consumes each), target ≤ 1.3×;
 * 2. purge under load: BENCH_DIET_ROWS expired rows deleted by the purge job inside the server
 *    while consumes run, each batch's size and time printed, consume p99 during against before,
 *    target ≤ 2×;
 * 3. churn: two cycles of BENCH_DIET_ROWS tokens issued (a bulk insert), consumed one statement at
 *    a time with the engine's consume (32 callers through node-pg), then purged by the purge job
 *    and vacuumed, as autovacuum would (it is off on the bench machine's server); the table's and
 *    its indexes' sizes at each cycle's peak (all tokens issued and consumed) and after the purge,
 *    target: the second cycle's peak is less than 10% above the first's.
 *    The HOT share and WAL per consume of each cycle are printed too.
 *
 * BENCH_DIET_ROWS (default 1,000,000) shrinks it for a quick run, BENCH_DIET_CHURN_ROWS the churn
 * cycles alone; BENCH_DIET_PARTS picks parts (scale,purge,churn); BENCH_DIET_ORDER=random and
 * BENCH_DIET_FILLFACTOR vary the churn; BENCH_DURATION (10 s) is the length of the purge part's
 * runs. PostgreSQL only: the index diet is about its HOT updates.
 */
import pg from 'pg';
import { parseDatabaseUrl } from '../src/config/config.ts';
import { hashToken } from '../src/tokens/secret.ts';
import { compiled } from './lib/build.ts';
import { type Child, forkChild } from './lib/children.ts';
import { createBenchDatabase } from './lib/database.ts';
import { type Figures, runLoad } from './lib/load.ts';
import { hotPercent, type PgRunStats, PgStats } from './lib/pg-stats.ts';
import { tokenConsume } from './lib/scenarios.ts';
import { type BenchStore, openBenchStore } from './lib/seed.ts';
import { serverEnv } from './lib/server-env.ts';
import { readSettings } from './lib/settings.ts';

const settings = readSettings();
const ROWS = positive('BENCH_DIET_ROWS', 1_000_000);
/** Tokens per churn cycle: a cycle is ROWS single consumes, the longest part by far. */
const CHURN_ROWS = positive('BENCH_DIET_CHURN_ROWS', ROWS);
/**
 * BENCH_DIET_ORDER=random: the churn consumes its tokens in random order, as links clicked at any
 * time after their emails went out; by default in the order they were issued, each page's tokens
 * one after the other (the harder case for HOT: those updates compete for one page's free space).
 */
const SHUFFLE = process.env['BENCH_DIET_ORDER'] === 'random';
const PARTS = (process.env['BENCH_DIET_PARTS'] ?? 'scale,purge,churn').split(',');
const SMALL = Math.min(10_000, ROWS);
const CONSUMES = Math.floor(SMALL * 0.8) - settings.connections;
const DAY = 86_400_000;
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const out = (line = '') => process.stdout.write(`${line}\n`);
const verdict = (pass: boolean) => (pass ? 'pass' : 'FAIL');

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

async function main() {
  const database = await createBenchDatabase('postgres', settings.postgresUrl);
  const server = forkChild(compiled('server.ts'), {
    label: 'oto postgres (server.ts)',
    execArgv: ['--max-semi-space-size=4'],
    env: { ...serverEnv(database.url, settings), LOG_LEVEL: 'warn' },
  });
  const store = await openBenchStore(parseDatabaseUrl(database.url));
  const stats = await PgStats.open(database.url);
  try {
    const { port } = await server.next<{ port: number }>('ready');
    const url = `http://127.0.0.1:${port}`;
    out(
      `oto index-diet bench, ${new Date().toISOString()}, ${database.version}, ${count(ROWS)} rows, ` +
        `churn cycles of ${count(CHURN_ROWS)}`,
    );
    if (PARTS.includes('scale')) await scale(store, url);
    if (PARTS.includes('purge')) await purgeUnderLoad(server, store, url);
    if (PARTS.includes('churn')) await churn(server, store, stats, database.url);
  } finally {
    await stats.close();
    await store.close();
    await server.stop();
    await database.drop();
  }
}

/** Consumes through the token API, a fixed number of them, or for a duration with `supply` tokens. */
async function consumeRun(
  url: string,
  store: BenchStore,
  load: { amount?: number; duration?: number },
  supply = load.amount ?? Math.ceil((load.duration ?? 0) * settings.supplyPerSecond.postgres),
) {
  const requests = supply;
  const bodies = await tokenConsume.prepare(store, { requests: requests + settings.connections, users: 0 });
  return (onStart?: (stop: () => void) => void): Promise<Figures> =>
    runLoad({
      url,
      path: tokenConsume.path,
      headers: tokenConsume.headers,
      body: bodies.next,
      connections: settings.connections,
      ...load,
      onStart,
    });
}

async function scale(store: BenchStore, url: string) {
  log('scale: warm-up');
  await (await consumeRun(url, store, { duration: settings.warmup }))();
  const p50: number[] = [];
  for (const rows of [SMALL, ROWS]) {
    log(`scale: ${count(rows)} live tokens`);
    await store.exec('truncate security_tokens cascade');
    if (rows > CONSUMES + settings.connections)
      await store.insertFiller(rows - CONSUMES - settings.connections, 'live');
    const run = await consumeRun(url, store, { amount: CONSUMES });
    await store.settle();
    const actual = await store.countTokens();
    const f = await run();
    p50.push(f.p50);
    out(
      `scale: ${count(actual)} live tokens: ${f.rps} consumes/s, p50 ${f.p50} ms, p99 ${f.p99} ms, ${f.non2xx} non-2xx`,
    );
  }
  const ratio = p50[1]! / p50[0]!;
  out(
    `target: consume p50 at ${count(ROWS)} ≤ 1.3× at ${count(SMALL)}: ${ratio.toFixed(2)}× ${verdict(ratio <= 1.3)}`,
  );
}

async function purgeUnderLoad(server: Child, store: BenchStore, url: string) {
  log(`purge: loading ${count(ROWS)} expired rows`);
  await store.exec('truncate security_tokens cascade');
  await store.insertFiller(ROWS, 'expired');
  const before = await consumeRun(url, store, { duration: settings.duration });
  // Until the purge ends, which takes longer than its batches: it rests three times as long as
  // each one took (about 25 s for 1M rows here before the diet, at 42,000 rows/s): a token
  // each for 80 s at 3,000/s.
  const during = await consumeRun(url, store, { duration: 600 }, 250_000);
  await store.settle();
  log('purge: consumes without it');
  const without = await before();
  log('purge: consumes during it');
  const purged = server.request<{ deleted: number; ms: number; batches: { rows: number; ms: number }[] }>(
    { type: 'purge' },
    'purged',
  );
  const under = await during((stop) => void purged.then(stop, stop));
  const { deleted, ms, batches } = await purged;
  out(`purge: ${count(deleted)} rows in ${batches.length} batches, ${(ms / 1000).toFixed(1)} s`);
  for (let i = 0; i < batches.length; i += 10) {
    const line = batches
      .slice(i, i + 10)
      .map((b) => `${b.rows}/${b.ms.toFixed(1)}`)
      .join(' ');
    out(`  batches ${i + 1}-${Math.min(i + 10, batches.length)} (rows/ms): ${line}`);
  }
  out(
    `purge: consume p99 ${without.p99} ms before, ${under.p99} ms during; ${without.rps} → ${under.rps} consumes/s`,
  );
  const ratio = under.p99 / without.p99;
  out(`target: consume p99 during the purge ≤ 2× before: ${ratio.toFixed(2)}× ${verdict(ratio <= 2)}`);
}

const CONSUME_SQL =
  'update security_tokens set used_at = $1 where token_hash = $2 and purpose = $3 and used_at is null ' +
  'and revoked_at is null and expires_at > $4 returning *';

async function churn(server: Child, store: BenchStore, stats: PgStats, databaseUrl: string) {
  await store.exec('truncate security_tokens cascade');
  // BENCH_DIET_FILLFACTOR: try another fillfactor than migration 0014's for the churn.
  const fillfactor = process.env['BENCH_DIET_FILLFACTOR'];
  if (fillfactor !== undefined)
    await store.exec(
      `alter table security_tokens set (fillfactor = ${positive('BENCH_DIET_FILLFACTOR', 90)})`,
    );
  const sizes: number[] = [];
  for (let cycle = 1; cycle <= 2; cycle++) {
    // Issued 31 days ago for a day: consumed at a time inside their life, expired past the
    // retention (7 days) by the time the purge runs.
    const issuedAt = Date.now() - 31 * DAY;
    log(`churn ${cycle}: issuing ${count(CHURN_ROWS)} tokens`);
    const tokens = await store.insertTokens(
      Array.from({ length: CHURN_ROWS }, (_, i) => ({ purpose: 'churn', subject: `s${i % 1000}` })),
      DAY,
      issuedAt,
    );
    log(`churn ${cycle}: consuming them`);
    const snapshot = await stats.snapshot();
    const began = performance.now();
    if (SHUFFLE) shuffle(tokens);
    const consumed = await consumeAll(databaseUrl, tokens, issuedAt + DAY / 2);
    const seconds = (performance.now() - began) / 1000;
    const cost = await stats.since(snapshot, tokens.length, tokens.length);
    const peak = await relationSizes(store);
    log(`churn ${cycle}: purging`);
    const { deleted, ms } = await server.request<{ deleted: number; ms: number }>(
      { type: 'purge' },
      'purged',
    );
    // Twice: B-tree pages that one vacuum empties go back to the free space map only at the next.
    await store.exec('vacuum security_tokens');
    await store.exec('vacuum security_tokens');
    const after = await relationSizes(store);
    sizes.push(peak.total);
    out(
      `churn ${cycle}: ${count(consumed)} consumed in ${seconds.toFixed(0)} s (HOT ${hotPercent(cost.hot.security_tokens)}, ` +
        `WAL ${wal(cost)}); ${count(deleted)} purged in ` +
        `${(ms / 1000).toFixed(1)} s; sizes after consume ${mb(peak)}, after purge and vacuum ${mb(after)}`,
    );
  }
  const growth = sizes[1]! / sizes[0]! - 1;
  out(
    `target: table + indexes at the second cycle's peak < 10% above the first's: ${(growth * 100).toFixed(1)}% ${verdict(growth < 0.1)}`,
  );
}

/** Every token consumed once, 32 at a time, each its own statement and transaction. */
async function consumeAll(databaseUrl: string, tokens: string[], at: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: settings.poolSize });
  let next = 0;
  let consumed = 0;
  const caller = async () => {
    for (let i = next++; i < tokens.length; i = next++) {
      const result = await pool.query({
        name: 'churn-consume',
        text: CONSUME_SQL,
        values: [at, hashToken(tokens[i]!), 'churn', at],
      });
      consumed += result.rowCount ?? 0;
    }
  };
  try {
    await Promise.all(Array.from({ length: settings.connections }, caller));
  } finally {
    await pool.end();
  }
  return consumed;
}

/** oto's own WAL per consume when PostgreSQL still holds it, else the whole cluster's. */
function wal(cost: PgRunStats): string {
  if (cost.ownWalBytesPerRequest === null) return `${cost.walBytesPerRequest} B/consume, whole cluster`;
  return `${cost.ownWalBytesPerRequest} B/consume, ${cost.ownWalNoFpiBytesPerRequest} without full-page images`;
}

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

interface Sizes {
  heap: number;
  indexes: number;
  total: number;
}

async function relationSizes(store: BenchStore): Promise<Sizes> {
  const [row] = await store.query<{ heap: string; indexes: string; total: string }>(
    `select pg_relation_size('security_tokens') as heap, pg_indexes_size('security_tokens') as indexes,
            pg_total_relation_size('security_tokens') as total`,
  );
  return { heap: Number(row!.heap), indexes: Number(row!.indexes), total: Number(row!.total) };
}

function mb(s: Sizes): string {
  const m = (n: number) => (n / 2 ** 20).toFixed(1);
  return `${m(s.total)} MB (heap ${m(s.heap)}, indexes ${m(s.indexes)})`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

try {
  await main();
  process.exit(0);
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
}
