/**
 * The oto server under test, in a process of its own, started by bench/run.ts. It is what
 * `oto serve --no-worker` runs (same config loading, migrations, context and app), plus an IPC
 * channel through which the benchmark starts a purge inside this very process, as the purge
 * scheduler of `oto serve` would, so its cost shows up in the latency of live requests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname } from 'node:path';
import { openContext } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config/config.ts';
import { buildApp } from '../src/http/app.ts';
import { runPurge } from '../src/jobs/purge.ts';

const send = (message: object) => process.send?.(message);

try {
  const config = loadConfig(process.env);
  const { ctx } = await openContext(config);
  const app = await buildApp(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });

  // CPU profiles of single runs (BENCH_CPU_PROF=1), rather than of the process's whole life.
  const profiler = new Session();
  profiler.connect();

  process.on('message', async (message: { type: string; file?: string }) => {
    try {
      if (message.type === 'profile-start') {
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
        send({ type: 'profiling' });
      } else if (message.type === 'profile-stop' && message.file) {
        const { profile } = await profiler.post('Profiler.stop');
        mkdirSync(dirname(message.file), { recursive: true });
        writeFileSync(message.file, JSON.stringify(profile));
        send({ type: 'profiled' });
      } else if (message.type === 'memory') {
        send({ type: 'memory', usage: process.memoryUsage() });
      } else if (message.type === 'purge') {
        // The purge job's own pass, as the scheduler of `oto serve` runs it.
        const started = performance.now();
        const result = await runPurge(ctx);
        send({ type: 'purged', deleted: result.counts.security_tokens, ms: performance.now() - started });
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
