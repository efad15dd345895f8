// oto.fetch behind node:http: the shape of Hono, Bun, Deno and Next.js route handlers, which hand
// over a web-standard Request and want a Response. The app's own route /hello asks oto who is
// logged in.
//
//   PUBLIC_URL=http://localhost:3000 node server.ts
import { createServer, type IncomingMessage } from 'node:http';
import { createOto } from 'oto-tokens';

const env = process.env;
const port = Number(env['PORT'] ?? 3000);

const oto = createOto({
  database: env['DATABASE_URL'] ?? './data/fetch.db',
  publicUrl: env['PUBLIC_URL'] ?? `http://localhost:${port}`,
  mail: env['SMTP_URL'] ?? 'dev',
  signingKeys: env['OTO_SIGNING_KEYS'],
  outbox: { pollInterval: '1s' },
});
await oto.migrate();
const worker = oto.startWorker();

async function toRequest(req: IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`), {
    method: req.method,
    headers,
    ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
  });
}

/** The app's own route: the session cookie (or a bearer token) names the user. */
async function hello(request: Request): Promise<Response> {
  const cookie = request.headers.get('cookie') ?? '';
  const name = oto.config.sessions.cookieName;
  const token =
    request.headers.get('authorization')?.replace(/^Bearer\s+/i, '') ??
    cookie
      .split(/;\s*/)
      .find((part) => part.startsWith(`${name}=`))
      ?.slice(name.length + 1);
  const found = token ? await oto.sessions.lookup(token) : null;
  if (found === null) return Response.json({ error: 'log in first' }, { status: 401 });
  return Response.json({ hello: found.user.email });
}

const server = createServer(async (req, res) => {
  const request = await toRequest(req);
  const response =
    new URL(request.url).pathname === '/hello'
      ? await hello(request)
      : await oto.fetch(request, { clientIp: req.socket.remoteAddress });
  res.statusCode = response.status;
  for (const [name, value] of response.headers) res.appendHeader(name, value);
  res.end(Buffer.from(await response.arrayBuffer()));
});

const shutdown = async () => {
  server.close();
  await worker.stop();
  await oto.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.listen(port, '127.0.0.1', () => console.log(`fetch-handler listening on http://127.0.0.1:${port}`));
