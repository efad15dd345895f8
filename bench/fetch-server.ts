/**
 * oto as a library behind a web-standard fetch handler, in a process of its own, started by
 * bench/run.ts: node:http turns each request into a Request, oto.fetch answers it, and the Response
 * is written back. This is what an app on Hono's or Next.js's Node server does, and the benchmark
 * compares it with the standalone service (bench/server.ts) on the same database in the same run.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createOto } from '../src/index.ts';
import { type ProfileMessage, profilerIn } from './lib/profiler.ts';

const tell = (message: object) => process.send?.(message);

/** The whole body, as a Buffer: read off the events, without an async iterator's promises. */
function bodyOf(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/**
 * The node request as a web Request, as an adapter does it: node:http has already joined repeated
 * header lines into one value (a request carries no Set-Cookie, the one that stays a list).
 */
async function toRequest(req: IncomingMessage): Promise<Request> {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(`http://localhost${req.url}`, {
    method: req.method,
    headers: req.headers as Record<string, string>,
    ...(hasBody ? { body: await bodyOf(req) } : {}),
  });
}

/**
 * The Response written back: its headers in one writeHead (each Set-Cookie a line), with the
 * length of its bytes, which writeHead cannot work out afterwards (without it every answer went
 * out chunked, and cost the load generator more to read than the service's).
 */
async function writeBack(response: Response, res: ServerResponse): Promise<void> {
  const body = response.body === null ? undefined : await response.bytes();
  const head: string[] = [];
  for (const [name, value] of response.headers) head.push(name, value);
  if (body !== undefined) head.push('content-length', String(body.byteLength));
  res.writeHead(response.status, head);
  res.end(body);
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
    const response = await oto.fetch(await toRequest(req), { clientIp: req.socket.remoteAddress });
    await writeBack(response, res);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    tell({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
  });
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
