/**
 * oto as a library behind a web-standard fetch handler, in a process of its own, started by
 * bench/run.ts: node:http turns each request into a Request, oto.fetch answers it, and the Response
 * is written back, as a hand-made adapter does it (bench/hono-server.ts runs Hono's), and the benchmark
 * compares it with the standalone service (bench/server.ts) on the same database in the same run.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveLibrary } from './lib/library-child.ts';

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

await serveLibrary(
  (oto) =>
    new Promise((resolve) => {
      const server = createServer(async (req, res) => {
        const response = await oto.fetch(await toRequest(req), { clientIp: req.socket.remoteAddress });
        await writeBack(response, res);
      });
      server.keepAliveTimeout = 60_000;
      server.listen(0, '127.0.0.1', () =>
        resolve({ port: (server.address() as AddressInfo).port, close: () => server.close() }),
      );
    }),
);
