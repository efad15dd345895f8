/**
 * `npm run bench`: oto under load, against its ceilings, on SQLite and PostgreSQL.
 *
 * autocannon runs here; everything it measures runs in a child process of its own (the oto server,
 * a bare Fastify server, the raw-driver ceilings). Each dialect gets a fresh database. Figures are
 * printed as tables, judged against the issue's targets, and written to bench/results/latest.json.
 * Settings come from the environment (bench/lib/settings.ts); never part of `npm test`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDatabaseUrl } from '../src/config/config.ts';
import { compiled } from './lib/build.ts';
import { type Child, cpuMicros, forkChild, machineBusyMicros, PeakRss } from './lib/children.ts';
import { type BenchDatabase, createBenchDatabase } from './lib/database.ts';
import { type Figures, latenciesOf, runLoad } from './lib/load.ts';
import { type PgRunStats, PgStats } from './lib/pg-stats.ts';
import { type Measured, Report, type ThroughputRow } from './lib/report.ts';
import { mergeRows } from './lib/rounds.ts';
import {
  type Bodies,
  resetIssue,
  type Scenario,
  tokenConsume,
  tokenIssue,
  verifyConsume,
} from './lib/scenarios.ts';
import { type BenchStore, openBenchStore } from './lib/seed.ts';
import { serverEnv as sharedServerEnv } from './lib/server-env.ts';
import { readSettings, wants } from './lib/settings.ts';
import { compareWorkers } from './lib/workers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const settings = readSettings();
const report = new Report(settings);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

const THROUGHPUT: Scenario[] = [resetIssue, verifyConsume, tokenIssue, tokenConsume].filter(
  (scenario) => settings.scenarios.length === 0 || settings.scenarios.includes(scenario.key),
);

async function main() {
  if (wants(settings, 'throughput')) await measureBare();
  for (const dialect of settings.dialects) {
    let database: BenchDatabase;
    try {
      database = await createBenchDatabase(dialect, settings.postgresUrl);
    } catch (error) {
      report.notes.push(`${dialect} skipped: cannot create a database (${String(error)})`);
      log(`${dialect} skipped: ${String(error)}`);
      continue;
    }
    report.versions[dialect] = database.version;
    try {
      await benchDialect(dialect, database);
    } finally {
      await database.drop();
    }
  }
  const text = report.text();
  process.stdout.write(`\n${text}\n`);
  const file = report.write(join(here, 'results'));
  log(`figures written to ${file}`);
}

async function measureBare() {
  log('ceiling: bare Fastify route');
  const child = forkChild(compiled('bare-server.ts'), { env: {}, label: 'bare' });
  try {
    const { port } = await child.next<{ port: number }>('ready');
    const body = () => '{"purpose":"bench","token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}';
    await runLoad({ url: base(port), path: '/bare', body, connections: settings.connections, duration: 1 });
    const figures = await measure(child, { next: body, exhausted: () => false }, (bodies) =>
      runLoad({
        url: base(port),
        path: '/bare',
        body: bodies.next,
        connections: settings.connections,
        duration: settings.duration,
      }),
    );
    report.throughput.push({
      dialect: '-',
      key: 'ceiling.bare',
      label: 'ceiling: bare Fastify route',
      consumes: false,
      ceiling: true,
      figures,
    });
  } finally {
    await child.stop();
  }
}

/** PostgreSQL's own figures for each row (bench/lib/pg-stats.ts), while a PostgreSQL dialect runs. */
let pgStats: PgStats | null = null;

async function benchDialect(dialect: 'sqlite' | 'postgres', database: BenchDatabase) {
  log(`${dialect}: starting the oto server`);
  const server = startServer(database.url, dialect);
  const store = await openBenchStore(parseDatabaseUrl(database.url));
  pgStats = dialect === 'postgres' ? await PgStats.open(database.url) : null;
  serverOfDialect = server;
  try {
    const { port } = await server.next<{ port: number }>('ready');
    const url = base(port);
    log(`${dialect}: warm-up`);
    const warmup = (await unavailable(url, resetIssue)) ? tokenIssue : resetIssue;
    await runLoad({
      url,
      path: warmup.path,
      headers: warmup.headers,
      body: (await warmup.prepare(store, need(0))).next,
      connections: settings.connections,
      duration: settings.warmup,
    });

    if (wants(settings, 'throughput')) {
      for (const scenario of THROUGHPUT) await throughput(dialect, server, store, url, scenario);
      await measureRaw(dialect, database.url, 'consume');
      if (dialect === 'postgres') await measureRaw(dialect, database.url, 'reset');
      await measureLibrary(dialect, store, database.url, server, url);
    } else if (wants(settings, 'library')) {
      // The library rows and the service's token consume in rounds, nothing else: a quick run.
      await measureLibrary(dialect, store, database.url, server, url);
    }
    if (settings.workers && dialect === 'postgres') {
      const env = serverEnv(database.url);
      const pass = { ...settings, env, store, scenarios: THROUGHPUT, need: need(supply(dialect)), log };
      report.notes.push(...(await compareWorkers(pass)));
    }
    const consume = await primaryConsume(url);
    if (wants(settings, 'scale')) await scale(dialect, server, store, url, consume);
    if (wants(settings, 'purge')) await purge(dialect, server, store, url, consume);
  } finally {
    await pgStats?.close();
    pgStats = null;
    await store.close();
    await server.stop();
  }
  if (wants(settings, 'dispatcher')) await dispatcher(dialect);
}

function startServer(databaseUrl: string, dialect: string, script = 'server.ts'): Child {
  return forkChild(compiled(script), {
    label: `oto ${dialect} (${script})`,
    // As `npm start` and the oto command run it.
    execArgv: ['--max-semi-space-size=4'],
    env: serverEnv(databaseUrl),
  });
}

function serverEnv(databaseUrl: string): Record<string, string> {
  return sharedServerEnv(databaseUrl, settings);
}

/** Runs one scenario for the configured duration against a prepared set of bodies. */
async function throughput(
  dialect: 'sqlite' | 'postgres',
  server: Child,
  store: BenchStore,
  url: string,
  scenario: Scenario,
) {
  report.throughput.push(await runScenario(dialect, server, store, url, scenario, settings.duration));
}

/** One timed run of a scenario: its row, not yet reported. */
async function runScenario(
  dialect: 'sqlite' | 'postgres',
  server: Child,
  store: BenchStore,
  url: string,
  scenario: Scenario,
  seconds: number,
): Promise<ThroughputRow> {
  const row = {
    dialect,
    key: scenario.key,
    label: scenario.label,
    target: scenario.target,
    consumes: scenario.consumes,
  };
  const missing = await unavailable(url, scenario);
  if (missing) return { ...row, skipped: missing };
  log(`${dialect}: ${scenario.label}`);
  const bodies = await scenario.prepare(store, need(supply(dialect, seconds)));
  await store.settle();
  const counted = server === serverOfDialect;
  const statementsBefore = counted ? await statementCount(server) : null;
  const pgBefore = await pgStats?.snapshot();
  const figures = await measure(
    server,
    bodies,
    (b) =>
      runLoad({
        url,
        path: scenario.path,
        headers: scenario.headers,
        body: b.next,
        connections: settings.connections,
        duration: seconds,
      }),
    `${dialect}-${scenario.key}`,
  );
  let pg: PgRunStats | undefined;
  if (pgStats && pgBefore) {
    const statements = statementsBefore === null ? null : (await statementCount(server)) - statementsBefore;
    pg = await pgStats.since(pgBefore, figures.requests, statements);
  }
  return { ...row, figures, ...(pg ? { pg } : {}) };
}

/** The oto server of the dialect being measured: the only one that counts its statements. */
let serverOfDialect: Child | null = null;

async function statementCount(server: Child): Promise<number> {
  return (await server.request<{ count: number }>({ type: 'statements' }, 'statements')).count;
}

async function measureRaw(dialect: 'sqlite' | 'postgres', databaseUrl: string, ceiling: 'consume' | 'reset') {
  log(`${dialect}: ceiling: raw ${ceiling} through the driver`);
  const child = forkChild(compiled('raw-ceiling.ts'), {
    label: `raw ${ceiling} ${dialect}`,
    env: {
      DATABASE_URL: databaseUrl,
      DB_POOL_SIZE: String(settings.poolSize),
      BENCH_CONNECTIONS: String(settings.connections),
      BENCH_DURATION: String(settings.duration),
      BENCH_SUPPLY: String(supply(dialect) * 3),
      BENCH_CEILING: ceiling,
      BENCH_USERS: String(settings.users),
    },
  });
  // The child prepares its data, then waits for 'go': the snapshot comes after the preparation's writes.
  await child.next('prepared');
  const pgBefore = await pgStats?.snapshot();
  const result = child.request<{ figures: Figures; exhausted: boolean }>({ type: 'go' }, 'result');
  const { figures, exhausted } = await result;
  const pg =
    pgStats && pgBefore ? await pgStats.since(pgBefore, figures.requests, figures.requests) : undefined;
  report.throughput.push({
    dialect,
    key: ceiling === 'consume' ? 'ceiling.raw' : 'ceiling.raw-reset',
    label:
      ceiling === 'consume'
        ? `ceiling: raw consume statement (${dialect === 'postgres' ? 'pg' : 'node:sqlite'})`
        : 'ceiling: raw reset request writes, one statement (pg)',
    consumes: ceiling === 'consume',
    ceiling: true,
    figures: { ...figures, rssMb: null, cpuUs: null, machineCpuUs: null, exhausted },
    ...(pg ? { pg } : {}),
  });
}

/**
 * Library mode on the same database: oto.fetch behind a plain node:http bridge
 * (bench/fetch-server.ts) and behind Hono's Node server (bench/hono-server.ts), and the Node adapter
 * (bench/node-server.ts), against the service's own token consume, all four with the same consume.
 * They run in LIBRARY_ROUNDS rounds, a third of the duration each, the order turned by one every
 * round, and each row is the sum of its rounds (bench/lib/rounds.ts); the fetch target (on Hono's
 * server) compares with the service's row measured that way (`service.tokens.consume`). Measured
 * one after the other, the same row moved by 20-40% within a minute here (the first run after the
 * start, or right after another server's, was the slow one), more than the gap being measured.
 * Only one of the four servers takes load at a time; the others sit idle.
 */
async function measureLibrary(
  dialect: 'sqlite' | 'postgres',
  store: BenchStore,
  databaseUrl: string,
  service: Child,
  serviceUrl: string,
) {
  const contenders: [Child, string, Scenario][] = [[service, serviceUrl, SERVICE_BESIDE]];
  try {
    for (const [script, scenario] of [
      ['fetch-server.ts', FETCH_CONSUME],
      ['node-server.ts', NODE_CONSUME],
      ['hono-server.ts', HONO_CONSUME],
    ] as const) {
      const child = startServer(databaseUrl, dialect, script);
      contenders.push([child, base((await child.next<{ port: number }>('ready')).port), scenario]);
      await runLoad({
        url: contenders.at(-1)![1],
        path: scenario.path,
        headers: scenario.headers,
        body: (await scenario.prepare(store, need(0))).next,
        connections: settings.connections,
        duration: settings.warmup,
      });
    }
    const runs = new Map<string, ThroughputRow[]>();
    for (let round = 0; round < LIBRARY_ROUNDS; round++) {
      for (let i = 0; i < contenders.length; i++) {
        const [child, url, scenario] = contenders[(i + round) % contenders.length]!;
        const row = await runScenario(
          dialect,
          child,
          store,
          url,
          scenario,
          settings.duration / LIBRARY_ROUNDS,
        );
        runs.set(scenario.key, [...(runs.get(scenario.key) ?? []), row]);
      }
    }
    for (const [, , scenario] of contenders) report.throughput.push(mergeRows(runs.get(scenario.key)!));
  } finally {
    for (const [child] of contenders.slice(1)) await child.stop();
  }
}

const LIBRARY_ROUNDS = 3;

const SERVICE_BESIDE: Scenario = {
  ...tokenConsume,
  key: 'service.tokens.consume',
  label: 'service, in rounds with the library rows: POST /v1/tokens/consume',
  target: undefined,
};

const FETCH_CONSUME: Scenario = {
  ...tokenConsume,
  key: 'fetch.tokens.consume',
  label: 'library, oto.fetch on node:http: POST /v1/tokens/consume',
  target: undefined,
};

const HONO_CONSUME: Scenario = {
  ...tokenConsume,
  key: 'hono.tokens.consume',
  label: 'library, oto.fetch on @hono/node-server: POST /v1/tokens/consume',
  target: undefined,
};

const NODE_CONSUME: Scenario = {
  ...tokenConsume,
  key: 'node.tokens.consume',
  label: 'library, toNodeHandler on node:http: POST /v1/tokens/consume',
  target: undefined,
};

/** The consume that scale and purge runs use: the account flow's when it exists. */
async function primaryConsume(url: string): Promise<Scenario> {
  for (const scenario of THROUGHPUT) {
    if (scenario.target === 'consume' && !(await unavailable(url, scenario))) return scenario;
  }
  return tokenConsume;
}

async function scale(
  dialect: 'sqlite' | 'postgres',
  server: Child,
  store: BenchStore,
  url: string,
  scenario: Scenario,
) {
  const spare = settings.connections;
  for (const rows of [settings.smallRows, settings.largeRows]) {
    log(`${dialect}: scale, ${rows} rows`);
    await store.clearTokens();
    const live = settings.scaleRequests + spare;
    if (rows > live) await store.insertFiller(rows - live, 'mixed');
    const bodies = await scenario.prepare(store, need(live));
    await store.settle();
    const actual = await store.countTokens();
    const figures = await measure(server, bodies, (b) =>
      runLoad({
        url,
        path: scenario.path,
        headers: scenario.headers,
        body: b.next,
        connections: settings.connections,
        amount: settings.scaleRequests,
      }),
    );
    report.scale.push({ dialect, scenario: scenario.label, rows: actual, figures });
  }
}

async function purge(
  dialect: 'sqlite' | 'postgres',
  server: Child,
  store: BenchStore,
  url: string,
  scenario: Scenario,
) {
  log(`${dialect}: purge, loading ${settings.purgeRows} expired rows`);
  await store.clearTokens();
  await store.insertFiller(settings.purgeRows, 'expired');
  const beforeBodies = await scenario.prepare(store, need(supply(dialect)));
  const duringBodies = await scenario.prepare(store, need(supply(dialect)));
  await store.settle();
  const load = (bodies: Bodies, onStart?: (stop: () => void) => void) =>
    runLoad({
      url,
      path: scenario.path,
      headers: scenario.headers,
      body: bodies.next,
      connections: settings.connections,
      duration: settings.duration,
      onStart,
    });
  log(`${dialect}: purge, consumes without it`);
  const before = await measure(server, beforeBodies, load);
  log(`${dialect}: purge, consumes during it`);
  const purged = server.request<{ deleted: number; ms: number }>({ type: 'purge' }, 'purged');
  // Measured for the run's duration, or less if the purge ends first: only time under the purge.
  const during = await measure(
    server,
    duringBodies,
    (bodies) => load(bodies, (stop) => void purged.then(stop, stop)),
    `${dialect}-purge-during`,
  );
  const { deleted, ms } = await purged;
  report.purge.push({
    dialect,
    scenario: scenario.label,
    rows: settings.purgeRows,
    deleted,
    seconds: Math.round(ms / 100) / 10,
    rowsPerSecond: Math.round(deleted / (ms / 1000)),
    before,
    during,
  });
  if (during.seconds < settings.duration - 0.5)
    report.notes.push(`${dialect}: the purge ended after ${during.seconds} s, before the consume run did`);
}

/** mail's dispatcher benchmark (bench/dispatcher.ts): messages per second over SMTP. */
async function dispatcher(dialect: 'sqlite' | 'postgres') {
  const module = join(here, 'dispatcher.ts');
  if (!existsSync(module)) {
    const note = 'dispatcher: not measured, bench/dispatcher.ts does not exist';
    if (!report.notes.includes(note)) report.notes.push(note);
    return;
  }
  log(`${dialect}: outbox dispatcher, ${settings.dispatchMessages} messages`);
  // It makes its own database through the test helper, which reads this variable.
  process.env['TEST_DATABASE_URL'] ??= settings.postgresUrl;
  const { benchDispatcher } = (await import(module)) as {
    benchDispatcher: (dialect: 'sqlite' | 'postgres', messages: number) => Promise<Record<string, unknown>>;
  };
  const figures = await benchDispatcher(dialect, settings.dispatchMessages);
  report.dispatcher.push({ ...figures, perSecond: Math.round(Number(figures['perSecond'])) });
}

/** Wraps a run with the peak-memory watch of the process under test. */
async function measure(
  child: Child,
  bodies: Bodies,
  run: (bodies: Bodies) => Promise<Figures>,
  profileName?: string,
): Promise<Measured> {
  const profile = settings.cpuProfile && profileName !== undefined;
  if (profile) await child.request({ type: 'profile-start' }, 'profiling');
  const rss = new PeakRss(child.pid);
  rss.start();
  const cpuBefore = cpuMicros(child.pid);
  const busyBefore = machineBusyMicros();
  const figures = await run(bodies);
  const cpuPerRequest = (cpuMicros(child.pid) - cpuBefore) / figures.requests;
  const busyPerRequest = (machineBusyMicros() - busyBefore) / figures.requests;
  const rssMb = rss.stop();
  if (profile) {
    const file = join(
      here,
      'results',
      'profiles',
      `${profileName.replace(/[^a-z0-9.-]+/gi, '-')}.cpuprofile`,
    );
    await child.request({ type: 'profile-stop', file }, 'profiled');
    log(`CPU profile: ${file}`);
  }
  const measured: Measured = {
    ...figures,
    rssMb,
    cpuUs: Number.isFinite(cpuPerRequest) ? Math.round(cpuPerRequest) : null,
    machineCpuUs: Number.isFinite(busyPerRequest) ? Math.round(busyPerRequest) : null,
    exhausted: bodies.exhausted(),
  };
  const latencies = latenciesOf.get(figures);
  if (latencies) latenciesOf.set(measured, latencies);
  return measured;
}

/** A route that is not there answers 404 not_found: the flow it belongs to has not landed. */
async function unavailable(url: string, scenario: Scenario): Promise<string | null> {
  const response = await fetch(url + scenario.path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...scenario.headers },
    body: '{}',
  });
  const body = (await response.json().catch(() => ({}))) as { code?: string };
  return response.status === 404 && body.code === 'not_found' ? `POST ${scenario.path} does not exist` : null;
}

/** Tokens to prepare for one timed consume run. */
function supply(dialect: 'sqlite' | 'postgres', seconds = settings.duration): number {
  return Math.ceil(seconds * settings.supplyPerSecond[dialect]) + settings.connections;
}

function need(requests: number) {
  return { requests, users: settings.users };
}

function base(port: number): string {
  return `http://127.0.0.1:${port}`;
}

try {
  await main();
  process.exit(0);
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
}
