import { createOto, type Oto } from '../../src/index.ts';
import { type ProfileMessage, profilerIn } from './profiler.ts';

/**
 * One library-mode server under test, in a process of its own (bench/fetch-server.ts,
 * hono-server.ts, node-server.ts): oto made from the environment bench/run.ts hands over, served by
 * `listen`, which resolves with its port; then answers the benchmark's profile, memory and stop
 * messages over IPC.
 */
export async function serveLibrary(listen: (oto: Oto) => Promise<{ port: number; close(): void }>) {
  const tell = (message: object) => process.send?.(message);
  try {
    const env = process.env;
    const oto = createOto({
      env,
      database: env['DATABASE_URL'],
      logLevel: (env['LOG_LEVEL'] ?? 'info') as 'info',
    });
    await oto.migrate();
    const server = await listen(oto);
    tell({ type: 'ready', port: server.port });
    const profiling = profilerIn(tell);
    process.on('message', async (message: ProfileMessage) => {
      if (await profiling(message)) return;
      if (message.type === 'memory') tell({ type: 'memory', usage: process.memoryUsage() });
      else if (message.type === 'stop') {
        server.close();
        await oto.close();
        process.exit(0);
      }
    });
  } catch (error) {
    tell({ type: 'error', error: String(error) });
    process.exit(1);
  }
}
