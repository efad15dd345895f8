import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.ts';
import { setSubscribed, unsubscribeTokenUser } from '../../newsletter/subscription.ts';
import { TOKEN_PROBLEMS } from '../problem.ts';
import * as schemas from '../schemas/unsubscribe.ts';

/** POST /v1/unsubscribe: the JSON twin of the unsubscribe link's page (pages/unsubscribe.ts). */

interface TokenBody {
  token: string;
}

export async function unsubscribeRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.route<{ Body: TokenBody }>({
    ...schemas.unsubscribe,
    handler: async (request) => {
      const userId = unsubscribeTokenUser(ctx, request.body.token);
      if (userId === null) throw TOKEN_PROBLEMS.token_invalid();
      await setSubscribed(ctx, userId, false, request.ip);
      return { status: 'unsubscribed' };
    },
  });
}
