import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify';
import type { Context } from '../context.ts';
import { BODY_LIMIT_BYTES, otoHttp } from './plugin.ts';
import { HttpProblem } from './problem.ts';
import { lazyRequestLogger } from './request-logger.ts';
import { AJV_OPTIONS } from './validation.ts';

export type App = FastifyInstance;

/**
 * Builds the HTTP application without listening, so tests can inject requests or listen on a port
 * of their choice. `oto serve` (npm start) calls it with the process's context.
 *
 * It holds Fastify's server options; everything else is otoHttp (plugin.ts), run on this app
 * itself rather than registered as an encapsulated child, so the OpenAPI document and the route list
 * see every route of the app, including one a caller adds after buildApp.
 */
export async function buildApp(ctx: Context): Promise<App> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    // Fastify takes a hop count too, though its types only list the other forms.
    trustProxy: ctx.config.trustProxy as boolean | string,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // One line per request (written in onResponse, plugin.ts) instead of Fastify's two: half the
    // logging cost on the hot path, and the line has everything: route, status, time.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    return503OnClosing: true,
    // Errors the router raises before any route runs (a malformed or over-long path) get the same
    // problem+json as every other error, and never echo the path, which could carry a secret.
    frameworkErrors: (error, _request, reply) => {
      const problem =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new HttpProblem(414, 'uri_too_long', 'The request path is too long.')
          : new HttpProblem(400, 'bad_request', 'The request path is not valid.');
      (reply as FastifyReply).status(problem.status).type('application/problem+json').send(problem.toJSON());
    },
    ajv: { customOptions: { ...AJV_OPTIONS } },
  });
  await otoHttp(app, { ctx });
  return app;
}
