import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { HttpProblem, invalidInput } from './problem.ts';

/**
 * The app's one error handler and one not-found handler (plugin.ts sets them): every error, whatever
 * raised it, is answered as application/problem+json. Groups of pages answer theirs as pages
 * (pages/errors.ts), handing a 5xx on to this handler.
 */
export function problemErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const problem = toProblem(error);
  if (problem.status >= 500 && problem.code === 'internal_error') {
    request.log.error({ err: error }, 'unhandled error');
  } else if (problem.status === 503) {
    request.log.warn({ err: { message: error.message, code: error.code } }, 'database unavailable');
  }
  for (const [name, value] of Object.entries(problem.headers ?? {})) reply.header(name, value);
  return reply.status(problem.status).type('application/problem+json').send(problem.toJSON());
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const problem = new HttpProblem(404, 'not_found', 'There is nothing at this address.', {
    detail: `No route for ${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
  });
  return reply.status(404).type('application/problem+json').send(problem.toJSON());
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
