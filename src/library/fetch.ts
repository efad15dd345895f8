import type { Context } from '../context.ts';
import { type App, buildApp } from '../http/app.ts';
import { type Routing, routeRequest } from './fetch-bridge.ts';

export interface FetchOptions {
  /**
   * The end user's IP address, for the per-IP limits and the audit log. Runtimes hand it over
   * their own way (Bun's server.requestIP, Deno's info.remoteAddr, a proxy's header); without it,
   * and without TRUST_PROXY, every request counts as 127.0.0.1 and they all share one limit.
   */
  clientIp?: string;
}

/**
 * oto's HTTP surface behind a web-standard handler. It is the same Fastify application as the
 * service's (built on first use), each Request handed to its router as node:http would hand it
 * (fetch-bridge.ts): the routes, schemas, hooks and error handling are those of `npm start`, not a
 * second implementation.
 */
export function fetchHandler(ctx: Context) {
  let built: Promise<App> | undefined;
  let warnedNoIp = false;
  let routing: Routing | undefined;
  const app = () => {
    built ??= buildApp(ctx).then(async (ready) => {
      await ready.ready();
      return ready;
    });
    return built;
  };
  return {
    /** The Fastify application, ready; built once. */
    app,
    async fetch(request: Request, options: FetchOptions = {}): Promise<Response> {
      // Once built, a request reaches the router without waiting on a promise first.
      routing ??= (await app()).routing as Routing;
      if (options.clientIp === undefined && ctx.config.trustProxy === false && !warnedNoIp) {
        warnedNoIp = true;
        ctx.logger.warn('oto.fetch: no clientIp given and TRUST_PROXY is off: per-IP limits are shared');
      }
      return routeRequest(routing, request, options.clientIp ?? '127.0.0.1');
    },
    async close(): Promise<void> {
      if (built !== undefined) await (await built).close();
    },
  };
}
