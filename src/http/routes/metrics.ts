import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../../context.ts';
import { outboxStats } from '../../mail/claims.ts';
import { webhookBacklogSeconds } from '../../webhooks/claims.ts';
import { bearerToken } from '../api-key.ts';
import { HttpProblem } from '../problem.ts';

/**
 * GET /metrics in the Prometheus text format, from the context's own registry. METRICS=false
 * leaves the route out (a 404 like any unknown path); METRICS_TOKEN requires
 * `Authorization: Bearer <token>`, compared as SHA-256 digests in constant time.
 */
export async function metricsRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  if (!ctx.config.metrics.enabled) return;
  ctx.metrics.collectProcessMetrics();
  // Read on each scrape: the outbox is shared by every instance, so any of them can report it.
  ctx.metrics.setOutboxStats(() => outboxStats(ctx));
  ctx.metrics.setWebhookBacklog(() => webhookBacklogSeconds(ctx));
  const expected = ctx.config.metrics.token === null ? null : digest(ctx.config.metrics.token);

  app.get(
    '/metrics',
    {
      logLevel: 'warn',
      schema: {
        hide: true,
        response: { 200: { type: 'string' } },
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      if (expected !== null) {
        const presented = bearerToken(request);
        if (presented === null || !timingSafeEqual(digest(presented), expected)) {
          throw new HttpProblem(401, 'unauthorized', 'A valid metrics token is required.', {
            detail: 'Send Authorization: Bearer <METRICS_TOKEN>.',
            headers: { 'www-authenticate': 'Bearer' },
          });
        }
      }
      const body = await ctx.metrics.registry.metrics();
      return reply.header('cache-control', 'no-store').type(ctx.metrics.registry.contentType).send(body);
    },
  );
}

/**
 * Times every request by its route pattern (/v1/tokens/consume, /reset-password), never the raw
 * URL, which holds tokens and ids. A request that matched no route counts as "unmatched".
 */
export function observeRequestDuration(ctx: Context) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    ctx.metrics.observeRequest(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
