import type { IncomingMessage, ServerResponse } from 'node:http';
import { contextOf, httpAppOf, type Oto } from './library/oto.ts';

/**
 * oto's HTTP surface as a `(req, res)` handler: node:http, Express, Connect and anything else that
 * hands over Node's own request and response. It routes straight into the same Fastify application
 * that oto.fetch uses, without converting to web Requests, so it costs what the service costs.
 *
 *   http.createServer(toNodeHandler(oto))
 *   expressApp.use(toNodeHandler(oto))          // oto's routes live under its basePath
 *
 * Express strips a mount path from req.url (app.use('/auth', …)); the original URL is put back,
 * since oto's routes and links already carry the basePath.
 */
export function toNodeHandler(oto: Oto): (req: IncomingMessage, res: ServerResponse) => void {
  const ready = httpAppOf(oto);
  return (req, res) => {
    const original = (req as { originalUrl?: unknown }).originalUrl;
    if (typeof original === 'string') req.url = original;
    ready.then(
      (app) => app.routing(req, res),
      (error: unknown) => {
        res.statusCode = 500;
        res.setHeader('content-type', 'application/problem+json');
        res.end(JSON.stringify({ type: 'about:blank', title: 'oto failed to start', status: 500 }));
        contextOf(oto).logger.error({ err: error }, 'oto HTTP application failed to start');
      },
    );
  };
}
