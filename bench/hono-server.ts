/**
 * oto as a library behind Hono's Node server (@hono/node-server), in a process of its own, started
 * by bench/run.ts beside bench/fetch-server.ts: oto.fetch handed to the adapter that Hono apps on
 * Node run on. That adapter builds its Request and Response lazily and writes a Response built
 * from a string or bytes without undici's body machinery, which the plain node:http bridge of
 * fetch-server.ts pays for in full.
 */
import { serve } from '@hono/node-server';
import { createOto } from '../src/index.ts';
import { type ProfileMessage, profilerIn } from './lib/profiler.ts';

const tell = (message: object) => process.send?.(message);

try {
  const env = process.env;
  const oto = createOto({
    env,
    database: env['DATABASE_URL'],
    logLevel: (env['LOG_LEVEL'] ?? 'info') as 'info',
  });
  await oto.migrate();
  const server = serve(
    {
      fetch: (request, bindings: { incoming: { socket: { remoteAddress?: string } } }) =>
        oto.fetch(request, { clientIp: bindings.incoming.socket.remoteAddress }),
      port: 0,
      hostname: '127.0.0.1',
    },
    (info) => tell({ type: 'ready', port: info.port }),
  );
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
