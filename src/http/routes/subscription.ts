import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.ts';
import { setSubscribed } from '../../newsletter/subscription.ts';
import * as schemas from '../schemas/subscription.ts';
import { requireSession } from '../session-auth.ts';

/** A logged-in user subscribes or unsubscribes: PUT /v1/me/subscription (the /account page's control is in pages/). */

export async function subscriptionRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.route<{ Body: { subscribed: boolean } }>({
    ...schemas.setSubscription,
    handler: async (request) => {
      const { user } = await requireSession(ctx, request);
      await setSubscribed(ctx, user.id, request.body.subscribed, request.ip);
      return { subscribed: request.body.subscribed };
    },
  });
}
