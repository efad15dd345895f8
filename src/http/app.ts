import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify';
import type { Context } from '../context.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { usesDevTransport } from '../mail/transport.ts';
import { registerOpenApi } from './openapi.ts';
import { accountPages } from './pages/account-pages.ts';
import { HttpProblem, invalidInput } from './problem.ts';
import { lazyRequestLogger } from './request-logger.ts';
import { accountRoutes } from './routes/accounts.ts';
import { activityRoutes } from './routes/activity.ts';
import { devMailboxRoutes } from './routes/dev-mailbox.ts';
import { emailChangeRoutes } from './routes/email-change.ts';
import { healthRoutes } from './routes/health.ts';
import { invitationRoutes } from './routes/invitations.ts';
import { metricsRoutes, observeRequestDuration } from './routes/metrics.ts';
import { newsletterRoutes } from './routes/newsletters.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { subscriptionApiRoutes, subscriptionPageRoutes } from './routes/subscription.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { unsubscribeApiRoutes, unsubscribePageRoutes } from './routes/unsubscribe.ts';

export type App = FastifyInstance;

/** JSON bodies oto accepts are small; anything bigger is refused before it is parsed. */
const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Builds the HTTP application without listening, so tests can inject requests or listen on a port
 * of their choice. `oto serve` (npm start) calls it with the process's context.
 */
export async function buildApp(ctx: Context): Promise<App> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    // Fastify takes a hop count too, though its types only list the other forms.
    trustProxy: ctx.config.trustProxy as boolean | string,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // One line per request (written in onResponse below) instead of Fastify's two: half the logging
    // cost on the hot path, and the line has everything: route, status, time.
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
    ajv: {
      // Strict by default: a wrong type is an error, not something to coerce into shape.
      customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true },
    },
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    requireJsonForApi(request.url, request.headers['content-type'], request.headers['content-length']);
  });
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
  // Form posts belong to the pages; the JSON API takes JSON only. That also keeps /v1 out of reach of
  // cross-site HTML forms, which can send urlencoded or text bodies without a CORS preflight.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500 && problem.code === 'internal_error') {
      request.log.error({ err: error }, 'unhandled error');
    } else if (problem.status === 503) {
      request.log.warn({ err: { message: error.message, code: error.code } }, 'database unavailable');
    }
    for (const [name, value] of Object.entries(problem.headers ?? {})) reply.header(name, value);
    return reply.status(problem.status).type('application/problem+json').send(problem.toJSON());
  });

  app.setNotFoundHandler((request, reply) => {
    const problem = new HttpProblem(404, 'not_found', 'There is nothing at this address.', {
      detail: `No route for ${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
    });
    return reply.status(404).type('application/problem+json').send(problem.toJSON());
  });

  await app.register(formbody, { bodyLimit: BODY_LIMIT_BYTES });
  await app.register(cookie);

  app.addHook('onResponse', observeRequestDuration(ctx));
  await registerOpenApi(app, ctx.config);
  await app.register(healthRoutes, { ctx });
  await app.register(metricsRoutes, { ctx });
  await app.register(tokenRoutes, { ctx, prefix: '/v1' });
  // Only with the dev transport; never in production, where serve refuses to start without SMTP.
  if (usesDevTransport(ctx.config) && !ctx.config.production) await app.register(devMailboxRoutes, { ctx });
  await app.register(sessionRoutes, { ctx, prefix: '/v1' });
  await app.register(activityRoutes, { ctx, prefix: '/v1' });
  await app.register(accountPages, { ctx });
  await app.register(accountRoutes, { ctx });
  await app.register(unsubscribePageRoutes, { ctx });
  await app.register(unsubscribeApiRoutes, { ctx, prefix: '/v1' });
  await app.register(newsletterRoutes, { ctx, prefix: '/v1' });
  await app.register(subscriptionApiRoutes, { ctx, prefix: '/v1' });
  await app.register(subscriptionPageRoutes, { ctx });
  await app.register(invitationRoutes, { ctx });
  await app.register(emailChangeRoutes, { ctx });
  return app;
}

function requireJsonForApi(url: string, contentType: string | undefined, contentLength: string | undefined) {
  if (!url.startsWith('/v1/')) return;
  const hasBody = contentType !== undefined || (contentLength !== undefined && contentLength !== '0');
  if (hasBody && !/^application\/json\s*(;|$)/i.test(contentType ?? '')) {
    throw new HttpProblem(415, 'unsupported_media_type', 'The request body must be JSON.', {
      detail: 'Send Content-Type: application/json.',
    });
  }
}

function toProblem(error: FastifyError): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (isDatabaseUnavailable(error)) {
    return new HttpProblem(503, 'service_unavailable', 'The service is temporarily unavailable.', {
      headers: { 'retry-after': '5' },
    });
  }
  if (error.validation) {
    return invalidInput(
      error.validation.map((issue) => ({
        field: fieldName(issue.instancePath, issue.params),
        message: issue.message ?? 'is not valid',
      })),
    );
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return clientProblem(error, status);
  return new HttpProblem(500, 'internal_error', 'Something went wrong on our side.');
}

function fieldName(instancePath: string, params: Record<string, unknown>): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  const missing = params['missingProperty'] ?? params['additionalProperty'];
  if (typeof missing === 'string') return path ? `${path}.${missing}` : missing;
  return path || '(body)';
}

const CLIENT_ERRORS: Record<string, [string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['body_too_large', 'The request body is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'The request body must be JSON.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['malformed_body', 'The request body is empty.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['malformed_body', 'The Content-Length does not match the body.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['malformed_body', 'The request body is not valid JSON.'],
};

function clientProblem(error: FastifyError, status: number): HttpProblem {
  const known = CLIENT_ERRORS[error.code];
  if (known) return new HttpProblem(status, known[0], known[1]);
  if (error instanceof SyntaxError)
    return new HttpProblem(400, 'malformed_body', 'The request body is not valid JSON.');
  if (status === 429) return new HttpProblem(429, 'rate_limited', 'Too many requests. Try again later.');
  return new HttpProblem(status, 'bad_request', 'The request could not be processed.', {
    detail: error.message,
  });
}
