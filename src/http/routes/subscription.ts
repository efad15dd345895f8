import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.ts';
import { setSubscribed } from '../../newsletter/subscription.ts';
import { problemSchema } from '../problem.ts';
import { requireSession } from '../session-auth.ts';

/** A logged-in user subscribes or unsubscribes: PUT /v1/me/subscription (the /account page's control is in pages/). */

export async function subscriptionRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.put<{ Body: { subscribed: boolean } }>(
    '/me/subscription',
    {
      schema: {
        tags: ['newsletter'],
        summary: "Set the logged-in user's newsletter subscription",
        body: {
          type: 'object',
          required: ['subscribed'],
          additionalProperties: false,
          properties: { subscribed: { type: 'boolean' } },
        },
        response: {
          200: { type: 'object', properties: { subscribed: { type: 'boolean' } } },
          401: problemSchema,
          403: problemSchema,
          422: problemSchema,
        },
      },
    },
    async (request) => {
      const { user } = await requireSession(ctx, request);
      await setSubscribed(ctx, user.id, request.body.subscribed, request.ip);
      return { subscribed: request.body.subscribed };
    },
  );
}
