import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Figures } from './load.ts';
import { HOT_TABLES, hotPercent, type PgRunStats } from './pg-stats.ts';
import type { Settings } from './settings.ts';

export interface Measured extends Figures {
  /** Peak resident memory of the process under test during the run, in MB. */
  rssMb: number | null;
  /** CPU time of the process under test (every thread) per completed request, in µs. */
  cpuUs: number | null;
  /** CPU time of the whole machine (every process, every core) per completed request, in µs. */
  machineCpuUs: number | null;
  /** The run outpaced the prepared tokens: its late requests were refused. */
  exhausted: boolean;
}

export interface ThroughputRow {
  dialect: string;
  key: string;
  label: string;
  target?: 'issue' | 'consume';
  consumes: boolean;
  ceiling?: boolean;
  figures?: Measured;
  /** PostgreSQL rows: HOT share, WAL and statements per request (bench/lib/pg-stats.ts). */
  pg?: PgRunStats;
  /** Why the scenario did not run. */
  skipped?: string;
}

export interface ScaleRow {
  dialect: string;
  scenario: string;
  rows: number;
  figures: Measured;
}

export interface PurgeRow {
  dialect: string;
  scenario: string;
  rows: number;
  deleted: number;
  seconds: number;
  rowsPerSecond: number;
  before: Measured;
  during: Measured;
}

export interface TargetRow {
  dialect: string;
  target: string;
  figure: string;
  /** null: could not be measured in this run (reason in figure). */
  pass: boolean | null;
}

/**
 * The throughput targets (issue 22), as shares of ceilings measured in the same run: a rate on a
 * shared 2-core machine says little, its ratio to what the driver or a bare Fastify route manages
 * on the same machine at the same moment says where oto's own work goes.
 * - `raw`: the consume UPDATE alone through the driver; `raw-reset`: a reset request's writes
 *   (token insert, supersede, outbox insert, audit insert) as one transaction through the driver;
 *   `bare`: a Fastify route that answers at once.
 */
const SHARE_TARGETS: readonly {
  dialect: string;
  key: string;
  ceiling: 'raw' | 'raw-reset' | 'bare';
  share: number;
}[] = [
  { dialect: 'postgres', key: 'tokens.consume', ceiling: 'raw', share: 0.85 },
  { dialect: 'postgres', key: 'consume', ceiling: 'raw', share: 0.65 },
  { dialect: 'postgres', key: 'issue', ceiling: 'raw-reset', share: 0.6 },
  { dialect: 'sqlite', key: 'tokens.consume', ceiling: 'bare', share: 0.5 },
];
/** p99 at most this many times p50, on every PostgreSQL row. */
const P99_OVER_P50 = 3;
/** Library mode behind a fetch handler, against the service on the same machine in the same run. */
const FETCH_SHARE = 0.9;
const RSS_MB = 180;
const SCALE_P50_RATIO = 1.3;
const PURGE_P99_RATIO = 2;
/** Issue 22: HOT share of security_tokens updates on the PostgreSQL consume rows. */
const HOT_SHARE = 0.9;

export class Report {
  readonly started = new Date();
  readonly versions: Record<string, string> = {};
  readonly throughput: ThroughputRow[] = [];
  readonly scale: ScaleRow[] = [];
  readonly purge: PurgeRow[] = [];
  readonly dispatcher: Record<string, unknown>[] = [];
  readonly notes: string[] = [];
  readonly #settings: Settings;

  constructor(settings: Settings) {
    this.#settings = settings;
  }

  ceiling(key: 'bare' | 'raw' | 'raw-reset', dialect: string): Figures | undefined {
    const row = this.throughput.find(
      (r) => r.key === `ceiling.${key}` && (key === 'bare' || r.dialect === dialect),
    );
    return row?.figures;
  }

  targets(): TargetRow[] {
    const rows: TargetRow[] = [];
    for (const dialect of this.#settings.dialects) {
      const mine = this.throughput.filter((r) => r.dialect === dialect && !r.ceiling);
      if (mine.length === 0) continue;
      for (const goal of SHARE_TARGETS.filter((t) => t.dialect === dialect)) {
        const row = mine.find((r) => r.key === goal.key);
        const ceiling = this.ceiling(goal.ceiling, dialect);
        const name = `${row?.label ?? goal.key} ≥ ${goal.share * 100}% of ceiling.${goal.ceiling}, 0 non-2xx`;
        if (!row?.figures || !ceiling) {
          const why = !row?.figures ? (row?.skipped ?? 'absent') : `no ceiling.${goal.ceiling} row`;
          rows.push({ dialect, target: name, figure: `not run: ${why}`, pass: null });
          continue;
        }
        const f = row.figures;
        rows.push({
          dialect,
          target: name,
          figure: `${f.rps} / ${ceiling.rps} /s = ${((f.rps / ceiling.rps) * 100).toFixed(0)}%, ${f.non2xx} non-2xx`,
          pass: f.rps >= ceiling.rps * goal.share && f.non2xx === 0 && f.errors === 0,
        });
      }
      if (dialect === 'postgres')
        for (const row of mine) {
          if (!row.figures) continue;
          const { p50, p99 } = row.figures;
          rows.push({
            dialect,
            target: `p99 ≤ ${P99_OVER_P50}× p50: ${row.label}`,
            figure: `${p99} / ${p50} ms = ${(p99 / Math.max(p50, 0.001)).toFixed(1)}×`,
            pass: p99 <= P99_OVER_P50 * p50,
          });
        }
      const peaks = [
        ...mine.map((r) => r.figures?.rssMb),
        ...this.scale.filter((r) => r.dialect === dialect).map((r) => r.figures.rssMb),
        ...this.purge.filter((r) => r.dialect === dialect).flatMap((r) => [r.before.rssMb, r.during.rssMb]),
      ].filter((value): value is number => typeof value === 'number');
      if (peaks.length > 0) {
        const peak = Math.max(...peaks);
        rows.push({
          dialect,
          target: `peak RSS ≤ ${RSS_MB} MB`,
          figure: `${peak} MB`,
          pass: peak <= RSS_MB,
        });
      }
      // Against the service measured in rounds with the library rows (bench/run.ts, measureLibrary).
      // oto.fetch is judged behind Hono's Node server, the adapter a fetch handler runs on in a
      // Node app; the hand-made node:http bridge's share is shown beside it, for what undici's
      // Request and Response cost when an adapter builds them in full.
      const standalone = mine.find((r) => r.key === 'service.tokens.consume')?.figures;
      const viaHono = mine.find((r) => r.key === 'hono.tokens.consume')?.figures;
      const viaBridge = mine.find((r) => r.key === 'fetch.tokens.consume')?.figures;
      if (standalone && viaHono) {
        const percent = (figures: { rps: number }) => `${((figures.rps / standalone.rps) * 100).toFixed(0)}%`;
        rows.push({
          dialect,
          target: `oto.fetch on @hono/node-server ≥ ${FETCH_SHARE * 100}% of the standalone service, in the same rounds (token consume)`,
          figure:
            `${viaHono.rps} / ${standalone.rps} /s = ${percent(viaHono)}` +
            (viaBridge ? ` (on a plain node:http bridge: ${percent(viaBridge)})` : ''),
          pass: viaHono.rps / standalone.rps >= FETCH_SHARE && viaHono.non2xx === 0,
        });
      }
      rows.push(...this.#pgTargets(dialect, mine));
      const scale = this.scale.filter((r) => r.dialect === dialect);
      if (scale.length === 2) {
        const [small, large] = scale as [ScaleRow, ScaleRow];
        const ratio = large.figures.p50 / small.figures.p50;
        rows.push({
          dialect,
          target: `p50 at ${count(large.rows)} ≤ ${SCALE_P50_RATIO}× p50 at ${count(small.rows)}`,
          figure: `${large.figures.p50} / ${small.figures.p50} ms = ${ratio.toFixed(2)}×`,
          pass: ratio <= SCALE_P50_RATIO,
        });
      }
      for (const purge of this.purge.filter((r) => r.dialect === dialect)) {
        const ratio = purge.during.p99 / purge.before.p99;
        rows.push({
          dialect,
          target: `p99 during purge ≤ ${PURGE_P99_RATIO}× without`,
          figure: `${purge.during.p99} / ${purge.before.p99} ms = ${ratio.toFixed(2)}×`,
          pass: ratio <= PURGE_P99_RATIO,
        });
      }
    }
    return rows;
  }

  #pgTargets(dialect: string, mine: ThroughputRow[]): TargetRow[] {
    const rows: TargetRow[] = [];
    for (const row of mine) {
      const tokens = row.pg?.hot.security_tokens;
      if (!row.consumes || !tokens) continue;
      const share = tokens.updates > 0 ? tokens.hot / tokens.updates : 0;
      rows.push({
        dialect,
        target: `HOT share of security_tokens updates ≥ ${HOT_SHARE * 100}%: ${row.label}`,
        figure: hotPercent(tokens),
        pass: share >= HOT_SHARE,
      });
    }
    return rows;
  }

  /** HOT share, WAL and statements per request of each PostgreSQL row. */
  #pgRows(): string[][] {
    return this.throughput
      .filter((row) => row.pg)
      .map((row) => {
        const pg = row.pg!;
        return [
          row.label,
          ...HOT_TABLES.map((table) => hotPercent(pg.hot[table])),
          String(pg.walBytesPerRequest),
          pg.ownWalBytesPerRequest === null ? '-' : String(pg.ownWalBytesPerRequest),
          pg.ownWalNoFpiBytesPerRequest === null ? '-' : String(pg.ownWalNoFpiBytesPerRequest),
          pg.statementsPerRequest === null ? '-' : String(pg.statementsPerRequest),
        ];
      });
  }

  text(): string {
    const s = this.#settings;
    const out: string[] = [];
    out.push(`oto benchmark, ${this.started.toISOString()}`);
    out.push(`machine: ${machine()}; ${Object.values(this.versions).join('; ')}`);
    out.push(
      `load: autocannon, ${s.connections} connections, ${s.duration} s runs (after ${s.warmup} s warm-up); ` +
        `server: bench/server.ts (oto serve --no-worker) in its own process, DB_POOL_SIZE=${s.poolSize}, ` +
        `LOG_LEVEL=${s.logLevel}`,
    );
    if (this.throughput.length > 0)
      out.push(
        '',
        table(
          [
            'scenario',
            'db',
            'req/s',
            'p50 ms',
            'p99 ms',
            'non-2xx+err',
            'RSS MB',
            'CPU µs/req',
            'machine µs/req',
            'vs bare',
            'vs raw',
          ],
          this.throughput.map((row) => {
            if (!row.figures) return [row.label, row.dialect, `not run: ${row.skipped ?? ''}`];
            const f = row.figures;
            const bare = this.ceiling('bare', row.dialect);
            const raw = this.ceiling('raw', row.dialect);
            return [
              row.label + (f.exhausted ? ' (ran out of tokens)' : ''),
              row.dialect,
              String(f.rps),
              String(f.p50),
              String(f.p99),
              String(f.non2xx + f.errors),
              f.rssMb === null ? '-' : String(f.rssMb),
              f.cpuUs === null ? '-' : String(f.cpuUs),
              f.machineCpuUs === null ? '-' : String(f.machineCpuUs),
              row.ceiling || !bare ? '' : ratio(f.rps, bare.rps),
              row.ceiling || !raw || !row.consumes ? '' : ratio(f.rps, raw.rps),
            ];
          }),
        ),
      );
    const pgRows = this.#pgRows();
    if (pgRows.length > 0) {
      out.push(
        '',
        'PostgreSQL per row: HOT share of updates (pg_stat_user_tables), WAL bytes per request (whole ' +
          "cluster, and oto's relations only via pg_walinspect), statements (round trips) per request",
      );
      out.push(
        table(
          [
            'scenario',
            ...HOT_TABLES.map((t) => `HOT ${t}`),
            'WAL B/req',
            'own WAL B/req',
            'own w/o FPI',
            'stmts/req',
          ],
          pgRows,
          1,
        ),
      );
    }
    if (this.scale.length > 0) {
      out.push(
        '',
        `Scale: ${count(s.scaleRequests)} consumes at ${s.connections} connections per table size`,
      );
      out.push(
        table(
          ['scenario', 'db', 'rows', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx+err'],
          this.scale.map((r) => [
            r.scenario,
            r.dialect,
            count(r.rows),
            String(r.figures.rps),
            String(r.figures.p50),
            String(r.figures.p99),
            String(r.figures.non2xx + r.figures.errors),
          ]),
        ),
      );
    }
    if (this.purge.length > 0) {
      out.push('', 'Purge of expired rows inside the server, with consumes running alongside');
      out.push(
        table(
          ['db', 'rows', 'purge s', 'rows/s', 'p99 before', 'p99 during', 'req/s before', 'req/s during'],
          this.purge.map((r) => [
            r.dialect,
            count(r.deleted),
            String(r.seconds),
            String(r.rowsPerSecond),
            String(r.before.p99),
            String(r.during.p99),
            String(r.before.rps),
            String(r.during.rps),
          ]),
          1,
        ),
      );
    }
    if (this.dispatcher.length > 0) {
      out.push('', 'Outbox dispatcher (bench/dispatcher.ts): delivery over SMTP to an in-process server');
      out.push(
        table(
          ['db', 'messages', 'seconds', 'messages/s'],
          this.dispatcher.map((d) => [
            String(d['dialect']),
            String(d['messages']),
            Number(d['seconds']).toFixed(2),
            String(d['perSecond']),
          ]),
          1,
        ),
      );
    }
    out.push('', 'Targets (issues 7 and 22)');
    out.push(
      table(
        ['db', 'target', 'figure', 'result'],
        this.targets().map((t) => [
          t.dialect,
          t.target,
          t.figure,
          t.pass === null ? 'NOT RUN' : t.pass ? 'pass' : 'FAIL',
        ]),
        3,
      ),
    );
    for (const note of this.notes) out.push(`note: ${note}`);
    return out.join('\n');
  }

  write(directory: string): string {
    mkdirSync(directory, { recursive: true });
    const file = join(directory, 'latest.json');
    const json = {
      date: this.started.toISOString(),
      machine: machine(),
      versions: this.versions,
      settings: this.#settings,
      throughput: this.throughput,
      scale: this.scale,
      purge: this.purge,
      dispatcher: this.dispatcher,
      targets: this.targets(),
      notes: this.notes,
    };
    writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
    writeFileSync(join(directory, 'latest.txt'), `${this.text()}\n`);
    writeFileSync(join(directory, 'latest.md'), this.markdown());
    return file;
  }

  /** The figures as Markdown, ready for docs/benchmark.md. */
  markdown(): string {
    const s = this.#settings;
    const out: string[] = [
      `Run on ${this.started.toISOString().slice(0, 10)}: ${machine()}; ${Object.values(this.versions).join('; ')}.`,
      `autocannon, ${s.connections} connections, ${s.duration}-second runs; the server in its own process ` +
        `(\`oto serve --no-worker\` equivalent, DB_POOL_SIZE=${s.poolSize}, LOG_LEVEL=${s.logLevel}).`,
      '',
      '| Scenario | DB | req/s | p50 ms | p99 ms | non-2xx | peak RSS MB | server CPU µs/req | machine CPU µs/req | vs bare | vs raw |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const row of this.throughput) {
      const f = row.figures;
      if (!f) {
        out.push(`| ${row.label} | ${row.dialect} | not run: ${row.skipped ?? ''} | | | | | | | | |`);
        continue;
      }
      const bare = this.ceiling('bare', row.dialect);
      const raw = this.ceiling('raw', row.dialect);
      out.push(
        `| ${row.label} | ${row.dialect} | ${f.rps} | ${f.p50} | ${f.p99} | ${f.non2xx + f.errors} | ${f.rssMb ?? ''} | ${f.cpuUs ?? ''} | ${f.machineCpuUs ?? ''} | ` +
          `${row.ceiling || !bare ? '' : ratio(f.rps, bare.rps)} | ${row.ceiling || !raw || !row.consumes ? '' : ratio(f.rps, raw.rps)} |`,
      );
    }
    const pgRows = this.#pgRows();
    if (pgRows.length > 0) {
      out.push(
        '',
        `| PostgreSQL row | ${HOT_TABLES.map((t) => `HOT ${t}`).join(' | ')} | WAL B/req | own WAL B/req | own WAL w/o full pages | statements/req |`,
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        ...pgRows.map((cells) => `| ${cells.join(' | ')} |`),
      );
    }
    if (this.scale.length > 0) {
      out.push('', '| Scale (consume) | DB | rows | p50 ms | p99 ms |', '| --- | --- | ---: | ---: | ---: |');
      for (const r of this.scale)
        out.push(`| ${r.scenario} | ${r.dialect} | ${count(r.rows)} | ${r.figures.p50} | ${r.figures.p99} |`);
    }
    if (this.purge.length > 0) {
      out.push(
        '',
        '| Purge | DB | rows | rows/s | consume p99 before | consume p99 during |',
        '| --- | --- | ---: | ---: | ---: | ---: |',
      );
      for (const r of this.purge)
        out.push(
          `| purge job | ${r.dialect} | ${count(r.deleted)} | ${r.rowsPerSecond} | ${r.before.p99} | ${r.during.p99} |`,
        );
    }
    if (this.dispatcher.length > 0) {
      out.push('', '| Outbox dispatcher | DB | messages | messages/s |', '| --- | --- | ---: | ---: |');
      for (const d of this.dispatcher)
        out.push(
          `| SMTP delivery | ${String(d['dialect'])} | ${String(d['messages'])} | ${String(d['perSecond'])} |`,
        );
    }
    out.push('', '| Target | DB | Figure | Result |', '| --- | --- | --- | --- |');
    for (const t of this.targets())
      out.push(
        `| ${t.target} | ${t.dialect} | ${t.figure} | ${t.pass === null ? 'not run' : t.pass ? 'pass' : '**fail**'} |`,
      );
    return `${out.join('\n')}\n`;
  }
}

function machine(): string {
  const cores = cpus();
  return `${cores.length} × ${cores[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

function ratio(value: number, ceiling: number): string {
  return ceiling > 0 ? `${(value / ceiling).toFixed(2)}×` : '';
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Columns before `left` are text (left-aligned); the rest are figures (right-aligned). */
function table(header: string[], rows: string[][], left = 2): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i < left ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
