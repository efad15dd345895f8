// A backend of the app's own, in another process (it could be in another language), with oto run
// as a service beside it (`npx oto serve`). The browser or mobile app logs in through oto and sends
// the session token; this backend asks oto whose it is, with the typed client and an API key.
//
//   OTO_URL=http://127.0.0.1:3000 OTO_API_KEY=… node backend.ts
import { createServer } from 'node:http';
import { createClient, OtoProblemError } from 'oto-tokens/client';

const env = process.env;
const port = Number(env['PORT'] ?? 4000);
const oto = createClient({ baseUrl: env['OTO_URL'] ?? 'http://127.0.0.1:3000', apiKey: env['OTO_API_KEY'] });

const server = createServer(async (req, res) => {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.url !== '/orders') return reply(404, { error: 'not found' });
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (token === undefined) return reply(401, { error: 'send Authorization: Bearer <session token>' });
  try {
    const session = await oto.introspectSession({ token });
    if (!session.active) return reply(401, { error: 'session is not active' });
    return reply(200, { email: session.email, orders: [] });
  } catch (error) {
    // A problem from oto (a wrong API key, say) is the backend's fault, not the user's.
    if (error instanceof OtoProblemError) return reply(502, { error: `oto said ${error.problem.code}` });
    throw error;
  }
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
server.listen(port, '127.0.0.1', () => console.log(`backend listening on http://127.0.0.1:${port}`));
