/**
 * What a benchmark run measures, from the environment. The defaults are the protocol
 * (32 connections, 10-second runs, 10k and 1M rows); every figure can be shrunk for a quick run
 * while developing, e.g. BENCH_DURATION=2 BENCH_ROWS=20000.
 */
export interface Settings {
  /** Seconds per measured run. */
  duration: number;
  connections: number;
  /** Seconds of unmeasured load on a fresh server before its first measured run. */
  warmup: number;
  /** Rows in security_tokens for the small and the large scale runs. */
  smallRows: number;
  largeRows: number;
  /** Expired rows the purge run deletes. */
  purgeRows: number;
  /** Consumes per scale run: a fixed count, so the small table really holds smallRows rows. */
  scaleRequests: number;
  /** Messages the outbox dispatcher delivers in its run. */
  dispatchMessages: number;
  /** Users seeded for the password-reset issue scenario. */
  users: number;
  poolSize: number;
  dialects: ('sqlite' | 'postgres')[];
  /** Only these parts (throughput, scale, purge, dispatcher); all when empty. */
  only: string[];
  /** Only the throughput scenarios with these keys (issue, consume, tokens.issue, tokens.consume). */
  scenarios: string[];
  postgresUrl: string;
  logLevel: string;
  /** Write a CPU profile of each oto server under bench/results/profiles. */
  cpuProfile: boolean;
  /** BENCH_WORKERS=1: each PostgreSQL throughput row again with `--workers 1` and 2 (lib/workers.ts). */
  workers: boolean;
  /** Tokens made ready per second of a consume run; a run that outpaces them reports it. */
  supplyPerSecond: { sqlite: number; postgres: number };
}

function number(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function list(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export function readSettings(): Settings {
  const largeRows = number('BENCH_ROWS', 1_000_000);
  const smallRows = Math.min(number('BENCH_SMALL_ROWS', 10_000), largeRows);
  const connections = number('BENCH_CONNECTIONS', 32);
  const dialects = list('BENCH_DIALECTS', 'sqlite,postgres');
  for (const dialect of dialects) {
    if (dialect !== 'sqlite' && dialect !== 'postgres')
      throw new Error(`BENCH_DIALECTS: unknown dialect "${dialect}"`);
  }
  return {
    duration: number('BENCH_DURATION', 10),
    connections,
    warmup: number('BENCH_WARMUP', 2),
    smallRows,
    largeRows,
    purgeRows: number('BENCH_PURGE_ROWS', largeRows),
    // Leaves room in the small table for filler, and for the one spare body per connection.
    scaleRequests: number('BENCH_SCALE_REQUESTS', Math.floor(smallRows * 0.8) - connections),
    users: number('BENCH_USERS', 50_000),
    dispatchMessages: number('BENCH_MESSAGES', 5000),
    poolSize: number('DB_POOL_SIZE', 10),
    dialects: dialects as Settings['dialects'],
    only: list('BENCH_ONLY', ''),
    scenarios: list('BENCH_SCENARIOS', ''),
    postgresUrl:
      process.env['BENCH_DATABASE_URL'] ??
      process.env['TEST_DATABASE_URL'] ??
      'postgres://postgres@127.0.0.1:5432/test',
    logLevel: process.env['BENCH_LOG_LEVEL'] ?? 'info',
    cpuProfile: process.env['BENCH_CPU_PROF'] === '1',
    workers: process.env['BENCH_WORKERS'] === '1',
    supplyPerSecond: {
      sqlite: number('BENCH_SUPPLY_SQLITE', 20_000),
      postgres: number('BENCH_SUPPLY_POSTGRES', 12_000),
    },
  };
}

export function wants(settings: Settings, part: string): boolean {
  return settings.only.length === 0 || settings.only.includes(part);
}
