/**
 * oto as a library behind a web-standard fetch handler, in a process of its own, started by
 * bench/run.ts: node:http turns each request into a Request, oto.fetch answers it, and the Response
 * is written back. This is what an app on Hono's or Next.js's Node server does, and the benchmark
 * compares it with the standalone service (bench/server.ts) on the same database in the same run.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { createOto } from '../src/index.ts';

const send = (message: object) => process.send?.(message);

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

try {
  const env = process.env;
  const oto = createOto({
    env,
    database: env['DATABASE_URL'],
    logLevel: (env['LOG_LEVEL'] ?? 'info') as 'info',
  });
  await oto.migrate();
  const server = createServer(async (req, res) => {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const request = new Request(`http://localhost${req.url}`, {
      method: req.method,
      headers,
      ...(hasBody ? { body: await bodyOf(req) } : {}),
    });
    const response = await oto.fetch(request, { clientIp: req.socket.remoteAddress });
    res.statusCode = response.status;
    for (const [name, value] of response.headers) res.appendHeader(name, value);
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', async (message: { type: string }) => {
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
