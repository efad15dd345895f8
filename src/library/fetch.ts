import type { Context } from '../context.ts';
import { type App, buildApp } from '../http/app.ts';

export interface FetchOptions {
  /**
   * The end user's IP address, for the per-IP limits and the audit log. Runtimes hand it over
   * their own way (Bun's server.requestIP, Deno's info.remoteAddr, a proxy's header); without it,
   * and without TRUST_PROXY, every request counts as 127.0.0.1 and they all share one limit.
   */
  clientIp?: string;
}

const NO_BODY_STATUS = new Set([101, 204, 205, 304]);

/**
 * oto's HTTP surface behind a web-standard handler. It is the same Fastify application as the
 * service's (built on first use), given each Request through Fastify's in-process injection: the
 * routes, schemas, hooks and error handling are those of `npm start`, not a second implementation.
 */
export function fetchHandler(ctx: Context) {
  let built: Promise<App> | undefined;
  let warnedNoIp = false;
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
      const fastify = await app();
      if (options.clientIp === undefined && ctx.config.trustProxy === false && !warnedNoIp) {
        warnedNoIp = true;
        ctx.logger.warn('oto.fetch: no clientIp given and TRUST_PROXY is off: per-IP limits are shared');
      }
      const url = new URL(request.url);
      const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null;
      const reply = await fastify.inject({
        // The options are built here, always of the right shape: skip light-my-request's check.
        validate: false,
        method: request.method as 'GET',
        url: url.pathname + url.search,
        headers: Object.fromEntries(request.headers),
        ...(hasBody ? { payload: Buffer.from(await request.arrayBuffer()) } : {}),
        remoteAddress: options.clientIp ?? '127.0.0.1',
      });
      const headers = new Headers();
      for (const [name, value] of Object.entries(reply.headers)) {
        if (value === undefined || name === 'content-length' || name === 'transfer-encoding') continue;
        for (const one of Array.isArray(value) ? value : [value]) headers.append(name, String(one));
      }
      const body =
        NO_BODY_STATUS.has(reply.statusCode) || request.method === 'HEAD' ? null : reply.rawPayload;
      return new Response(body, { status: reply.statusCode, headers });
    },
    async close(): Promise<void> {
      if (built !== undefined) await (await built).close();
    },
  };
}
