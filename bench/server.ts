/**
 * The oto server under test, in a process of its own, started by bench/run.ts. It is what
 * `oto serve --no-worker` runs (same config loading, migrations, context and app), plus an IPC
 * channel through which the benchmark starts a purge inside this very process, as the purge
 * scheduler of `oto serve` would, so its cost shows up in the latency of live requests.
 */
import { openContext } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config/config.ts';
import { buildApp } from '../src/http/app.ts';
import { runPurge } from '../src/jobs/purge.ts';
import { type ProfileMessage, profilerIn } from './lib/profiler.ts';

const send = (message: object) => process.send?.(message);

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
