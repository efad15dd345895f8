import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type Figures, runLoad } from './load.ts';
import type { Need, Scenario } from './scenarios.ts';
import type { BenchStore } from './seed.ts';

/**
 * BENCH_WORKERS=1: each PostgreSQL throughput row again against the real `oto serve --workers 1`
 * and `--workers 2` (node:cluster, src/cli/cluster.ts), so the report says what a second HTTP
 * worker process buys on this machine. Every run is a fresh process; the rows of the main pass
 * are not touched.
 */

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface WorkersPass {
  /** The oto server's environment, as the main pass gives it. */
  env: Record<string, string>;
  store: BenchStore;
  scenarios: Scenario[];
  connections: number;
  duration: number;
  warmup: number;
  need: Need;
  log(line: string): void;
}

/** One line per scenario: requests per second with 1 and with 2 workers, and their ratio. */
export async function compareWorkers(pass: WorkersPass): Promise<string[]> {
  const lines: string[] = [];
  for (const scenario of pass.scenarios) {
    const runs: Figures[] = [];
    for (const workers of [1, 2]) {
      pass.log(`postgres, --workers ${workers}: ${scenario.label}`);
      runs.push(await measure(pass, scenario, workers));
    }
    const [one, two] = runs as [Figures, Figures];
    const failed = (f: Figures) => f.non2xx + f.errors;
    lines.push(
      `--workers 2 against 1 (postgres), ${scenario.label}: ${Math.round(one.rps)} → ${Math.round(two.rps)} req/s ` +
        `(×${(two.rps / one.rps).toFixed(2)}; non-2xx+errors ${failed(one)} and ${failed(two)})`,
    );
  }
  return lines;
}

async function measure(pass: WorkersPass, scenario: Scenario, workers: number): Promise<Figures> {
  const server = await startServe(pass.env, workers);
  try {
    const warm = await scenario.prepare(pass.store, { ...pass.need, requests: 0 });
    await runLoad({
      url: server.url,
      path: scenario.path,
      headers: scenario.headers,
      body: warm.next,
      connections: pass.connections,
      duration: pass.warmup,
    });
    const bodies = await scenario.prepare(pass.store, pass.need);
    await pass.store.settle();
    return await runLoad({
      url: server.url,
      path: scenario.path,
      headers: scenario.headers,
      body: bodies.next,
      connections: pass.connections,
      duration: pass.duration,
    });
  } finally {
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
  }
}

/** `oto serve --workers N --no-worker` on a port of the OS's choosing, once every worker listens. */
async function startServe(
  env: Record<string, string>,
  workers: number,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, MAIN, 'serve', '--no-worker', '--workers', String(workers)],
    {
      env: { PATH: process.env['PATH'] ?? '', ...env, HOST: '127.0.0.1', PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  const collect = (chunk: string) => {
    output += chunk;
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  for (;;) {
    const port = /oto listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    if (port) {
      // From here on, a log line a request: read and dropped, never kept.
      child.stdout?.off('data', collect).resume();
      return { child, url: `http://127.0.0.1:${port}` };
    }
    if (child.exitCode !== null) throw new Error(`oto serve --workers ${workers} exited: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
