import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../context.ts';
import { HttpProblem } from './problem.ts';

/**
 * Per-IP rate limits for the routes that send email or check passwords: RATE_LIMIT_PER_MINUTE
 * requests per IP per route per minute, 0 to switch off. The client IP is Fastify's request.ip,
 * which follows TRUST_PROXY. Counts live in memory, or in Redis when REDIS_URL is set so that all
 * instances share them.
 *
 * If Redis stops answering, requests go through (skipOnError) and the failure is logged: the limits
 * that matter most for safety, per-recipient mail caps and the per-account login cool-down, are kept
 * in the database and still hold; refusing every sign-in because a cache is down would be worse.
 *
 * Usage: plugin.ts calls `await registerRateLimit(app, ctx)` once, before the API and the pages, so
 * one Redis client serves them all; each route to limit says `config: rateLimited(ctx)`.
 */
export async function registerRateLimit(app: FastifyInstance, ctx: Context): Promise<void> {
  if (ctx.config.limits.ratePerMinute === 0) return;
  const redisUrl = ctx.config.limits.redisUrl;
  // Loaded only when configured: the Redis client holds 9 MB of memory in every process that loads
  // it, which most instances would carry for nothing.
  const redis =
    redisUrl === null
      ? undefined
      : new (await import('ioredis')).Redis(redisUrl, { connectTimeout: 1000, maxRetriesPerRequest: 1 });
  if (redis !== undefined) {
    redis.on('error', (error: Error) => ctx.logger.warn({ err: { message: error.message } }, 'redis error'));
    app.addHook('onClose', async () => {
      redis.disconnect();
    });
  }
  await app.register(rateLimit, {
    global: false,
    ...(redis === undefined ? {} : { redis, nameSpace: 'oto-rate-' }),
    skipOnError: true,
    errorResponseBuilder: (_request, context) => {
      const seconds = String(Math.max(1, Math.ceil(context.ttl / 1000)));
      return new HttpProblem(429, 'rate_limited', 'Too many requests. Try again later.', {
        detail: `Try again in ${seconds} seconds.`,
        headers: { 'retry-after': seconds },
      });
    },
  });
}

/** Route config that applies the per-IP limit (or nothing when it is switched off). */
export function rateLimited(ctx: Context): { rateLimit?: RateLimitOptions } {
  const max = ctx.config.limits.ratePerMinute;
  return max === 0 ? {} : { rateLimit: { max, timeWindow: 60_000 } };
}
