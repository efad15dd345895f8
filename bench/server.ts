/**
 * The oto server under test, in a process of its own, started by bench/run.ts. It is what
 * `oto serve --no-worker` runs (same config loading, migrations, context and app), plus an IPC
 * channel through which the benchmark starts a purge inside this very process, as the purge
 * scheduler of `oto serve` would, so its cost shows up in the latency of live requests.
 */
import pg from 'pg';
import { openContext } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config/config.ts';
import { buildApp } from '../src/http/app.ts';
import { runPurge } from '../src/jobs/purge.ts';
import { type ProfileMessage, profilerIn } from './lib/profiler.ts';

const send = (message: object) => process.send?.(message);

// BENCH_COUNT_STATEMENTS=1: every query node-pg sends, counted, for the statements-per-request
// figure (bench/lib/pg-stats.ts). The prototype is wrapped before the pool opens a connection, so
// the per-connection wrapper of src/db/postgres/statements.ts binds the counting one.
let statements = 0;
if (process.env['BENCH_COUNT_STATEMENTS'] === '1') {
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as { query: unknown }).query = function (this: pg.Client, ...args: unknown[]) {
    statements++;
    return query.apply(this, args);
  };
}

try {
  const config = loadConfig(process.env);
  const { ctx } = await openContext(config);
  const app = await buildApp(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });

  const profiling = profilerIn(send);
  process.on('message', async (message: ProfileMessage) => {
    try {
      if (await profiling(message)) return;
      if (message.type === 'memory') {
        send({ type: 'memory', usage: process.memoryUsage() });
      } else if (message.type === 'statements') {
        send({ type: 'statements', count: statements });
      } else if (message.type === 'purge') {
        // The purge job's own pass, as the scheduler of `oto serve` runs it.
        const started = performance.now();
        const batches: { rows: number; ms: number }[] = [];
        const result = await runPurge(ctx, {
          onProgress: (target, _soFar, batch) => {
            if (target === 'security_tokens') batches.push(batch);
          },
        });
        const ms = performance.now() - started;
        send({ type: 'purged', deleted: result.counts.security_tokens, ms, batches });
      } else if (message.type === 'stop') {
        await app.close();
        await ctx.storage.close();
        process.exit(0);
      }
    } catch (error) {
      send({ type: 'error', error: String(error) });
    }
  });
} catch (error) {
  send({ type: 'error', error: String(error) });
  process.exit(1);
}
