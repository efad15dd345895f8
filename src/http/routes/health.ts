import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.ts';
import { HttpProblem } from '../problem.ts';

export async function healthRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { logLevel: 'warn' }, async () => {
    if (!(await ctx.storage.ping())) {
      throw new HttpProblem(503, 'not_ready', 'The database is not answering.', {
        headers: { 'retry-after': '5' },
      });
    }
    return { status: 'ready' };
  });
}
