import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.ts';
import { setSubscribed, unsubscribeTokenUser } from '../../newsletter/subscription.ts';
import { problemSchema, TOKEN_PROBLEMS } from '../problem.ts';

/** POST /v1/unsubscribe: the JSON twin of the unsubscribe link's page (pages/unsubscribe.ts). */

interface TokenBody {
  token: string;
}

export async function unsubscribeRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.post<{ Body: TokenBody }>(
    '/unsubscribe',
    {
      schema: {
        tags: ['newsletter'],
        summary: 'Unsubscribe from newsletters with the token of an unsubscribe link',
        description: 'Idempotent. Needs no session: the signed token is the authority.',
        body: {
          type: 'object',
          required: ['token'],
          additionalProperties: false,
          properties: { token: { type: 'string', maxLength: 512 } },
        },
        response: {
          200: { type: 'object', properties: { status: { type: 'string', enum: ['unsubscribed'] } } },
          400: problemSchema,
          422: problemSchema,
        },
      },
    },
    async (request) => {
      const userId = unsubscribeTokenUser(ctx, request.body.token);
      if (userId === null) throw TOKEN_PROBLEMS.token_invalid();
      await setSubscribed(ctx, userId, false, request.ip);
      return { status: 'unsubscribed' };
    },
  );
}
