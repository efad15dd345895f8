/**
 * A row measured in rounds, interleaved with others (bench/run.ts, measureLibrary), summed back
 * into one: requests and time add up, percentiles come from every latency of every round, costs per
 * request are weighted by each round's requests, and the peak is the highest of them.
 */
import { latenciesOf, percentiles } from './load.ts';
import { HOT_TABLES, type PgRunStats } from './pg-stats.ts';
import type { Measured, ThroughputRow } from './report.ts';

export function mergeRows(rows: ThroughputRow[]): ThroughputRow {
  const first = rows[0]!;
  const skipped = rows.find((row) => row.skipped !== undefined);
  if (skipped) return skipped;
  const measured = rows.map((row) => row.figures!);
  const pg = rows.map((row) => row.pg).filter((one): one is PgRunStats => one !== undefined);
  const { key, dialect, label, target, consumes } = first;
  return {
    key,
    dialect,
    label,
    consumes,
    ...(target ? { target } : {}),
    figures: mergeFigures(measured),
    ...(pg.length === rows.length
      ? {
          pg: mergePg(
            pg,
            measured.map((one) => one.requests),
          ),
        }
      : {}),
  };
}

function mergeFigures(runs: Measured[]): Measured {
  const requests = sum(runs.map((run) => run.requests));
  const seconds = sum(runs.map((run) => run.seconds));
  const all = new Float64Array(sum(runs.map((run) => latenciesOf.get(run)?.length ?? 0)));
  let at = 0;
  for (const run of runs) {
    const latencies = latenciesOf.get(run);
    if (latencies) all.set(latencies, at);
    at += latencies?.length ?? 0;
  }
  const statusCodes: Record<string, number> = {};
  for (const run of runs)
    for (const [code, count] of Object.entries(run.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
  const requestsOf = runs.map((run) => run.requests);
  const weighted = (pick: (run: Measured) => number | null) =>
    rounded(perRequest(runs.map(pick), requestsOf), 0);
  const peaks = runs.map((run) => run.rssMb).filter((mb): mb is number => mb !== null);
  return {
    requests,
    seconds,
    rps: Math.round(requests / seconds),
    ...percentiles(all),
    non2xx: sum(runs.map((run) => run.non2xx)),
    errors: sum(runs.map((run) => run.errors)),
    statusCodes,
    rssMb: peaks.length > 0 ? Math.max(...peaks) : null,
    cpuUs: weighted((run) => run.cpuUs),
    machineCpuUs: weighted((run) => run.machineCpuUs),
    exhausted: runs.some((run) => run.exhausted),
  };
}

function mergePg(runs: PgRunStats[], requests: number[]): PgRunStats {
  const weighted = (pick: (run: PgRunStats) => number | null, digits = 0) =>
    rounded(perRequest(runs.map(pick), requests), digits);
  const hot = {} as PgRunStats['hot'];
  for (const table of HOT_TABLES) {
    hot[table] = {
      updates: sum(runs.map((run) => run.hot[table].updates)),
      hot: sum(runs.map((run) => run.hot[table].hot)),
    };
  }
  return {
    hot,
    walBytesPerRequest: weighted((run) => run.walBytesPerRequest) ?? 0,
    ownWalBytesPerRequest: weighted((run) => run.ownWalBytesPerRequest),
    ownWalNoFpiBytesPerRequest: weighted((run) => run.ownWalNoFpiBytesPerRequest),
    statementsPerRequest: weighted((run) => run.statementsPerRequest, 2),
  };
}

/** A figure per request of each round, as one figure per request of them all; null if any is. */
function perRequest(values: (number | null)[], requests: number[]): number | null {
  if (values.some((value) => value === null)) return null;
  return sum(values.map((value, i) => value! * requests[i]!)) / sum(requests);
}

function rounded(value: number | null, digits: number): number | null {
  return value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
