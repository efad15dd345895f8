/**
 * oto as a library behind its Node adapter (toNodeHandler) on node:http, in a process of its own,
 * started by bench/run.ts beside bench/fetch-server.ts: the same library, without the conversion to
 * web-standard Request and Response objects.
 */
import { createServer } from 'node:http';
import { createOto } from '../src/index.ts';
import { toNodeHandler } from '../src/node.ts';
import { type ProfileMessage, profilerIn } from './lib/profiler.ts';

const send = (message: object) => process.send?.(message);

try {
  const env = process.env;
  const oto = createOto({
    env,
    database: env['DATABASE_URL'],
    logLevel: (env['LOG_LEVEL'] ?? 'info') as 'info',
  });
  await oto.migrate();
  const server = createServer(toNodeHandler(oto));
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
  });
  const profiling = profilerIn(send);
  process.on('message', async (message: ProfileMessage) => {
    if (await profiling(message)) return;
    if (message.type === 'memory') send({ type: 'memory', usage: process.memoryUsage() });
    else if (message.type === 'stop') {
      server.close();
      await oto.close();
      process.exit(0);
    }
  });
} catch (error) {
  send({ type: 'error', error: String(error) });
  process.exit(1);
}
