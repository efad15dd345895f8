import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../context.ts';
import { usesDevTransport } from '../mail/transport.ts';
import { followRequest, reportAnswer } from './answer-timing.ts';
import { devMailboxRoutes } from './dev-mailbox.ts';
import { notFoundHandler, problemErrorHandler } from './error-handler.ts';
import { docsRoutes, registerOpenApi } from './openapi.ts';
import { pages } from './pages/index.ts';
import { registerRateLimit } from './rate-limit.ts';
import { healthRoutes } from './routes/health.ts';
import { apiRoutes } from './routes/index.ts';
import { metricsRoutes, observeRequestDuration } from './routes/metrics.ts';

/** JSON bodies oto accepts are small; anything bigger is refused before it is parsed. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export interface OtoHttpOptions {
  ctx: Context;
  /** Registered inside another app by the Fastify plugin, rather than on oto's own server. */
  embedded?: boolean;
  /**
   * The prefix to register the routes under, when the app's context already carries part of the
   * base path (the Fastify plugin, registered inside a prefixed context). Defaults to basePath.
   */
  mountPrefix?: string;
}

/**
 * Everything oto registers on a Fastify app: hooks, parsers, the error handlers, the OpenAPI
 * document, the JSON API under /v1 and the pages. buildApp (app.ts) runs it on an app of its own,
 * which keeps the Fastify server options.
 *
 * In order: external plugins, then oto's own plugins and handlers, then the routes.
 */
export async function otoHttp(app: FastifyInstance, { ctx, embedded = false, mountPrefix }: OtoHttpOptions) {
  // Mounted in an app (src/fastify.ts) that registered these plugins itself, oto uses the app's:
  // a second registration would fail on their decorators and parsers.
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded'))
    await app.register(formbody, { bodyLimit: BODY_LIMIT_BYTES });
  if (!app.hasDecorator('parseCookie')) await app.register(cookie);
  // An app with an OpenAPI document of its own gets oto's routes in it instead.
  const ownDocument = !app.hasDecorator('swagger');
  if (ownDocument) await registerOpenApi(app, ctx.config);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onRequest', followRequest);
  // The request line is built from fields oto chooses (the req serializer blanks token-like parts of
  // the URL), so it skips the redaction pass every other line gets: that pass cost about 4 µs a
  // line, once per request.
  const accessLog = ctx.logger.child({}, { redact: { paths: [], censor: '[redacted]' } });
  app.addHook('onResponse', async (request, reply) => {
    accessLog.info(
      {
        reqId: request.id,
        req: request,
        route: request.routeOptions.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });
  app.addHook('onResponse', observeRequestDuration(ctx));
  app.addHook('onResponse', reportAnswer);
  // Nothing in oto reads a text body, which a cross-site form can send without a CORS preflight
  // (requireJson in routes/index.ts).
  app.removeContentTypeParser('text/plain');
  if (!app.hasDecorator('rateLimit')) await registerRateLimit(app, ctx);
  app.setErrorHandler(problemErrorHandler);
  // Mounted, the app answers for paths that are not oto's, with its own 404.
  if (!embedded) app.setNotFoundHandler(notFoundHandler);

  // Everything oto serves sits under the base path, where its emailed links and pages point.
  await app.register(
    async (mounted) => {
      if (ownDocument) await mounted.register(docsRoutes);
      await mounted.register(healthRoutes, { ctx });
      await mounted.register(metricsRoutes, { ctx });
      await mounted.register(apiRoutes, { ctx, prefix: '/v1' });
      await mounted.register(pages, { ctx });
      // Only with the dev transport; never in production, where serve refuses to start without SMTP.
      if (usesDevTransport(ctx.config) && !ctx.config.production)
        await mounted.register(devMailboxRoutes, { ctx });
    },
    { prefix: mountPrefix ?? ctx.config.basePath },
  );
}
