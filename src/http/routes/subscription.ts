import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.ts';
import type { User } from '../../db/schema.ts';
import type { SafeHtml } from '../../html.ts';
import { setSubscribed } from '../../newsletter/subscription.ts';
import { buttonForm, formString } from '../pages/forms.ts';
import { redirectAfterPost } from '../pages/layout.ts';
import { problemSchema } from '../problem.ts';
import { assertSameOrigin, authenticate, requireSession } from '../session-auth.ts';

/** A logged-in user subscribes or unsubscribes: PUT /v1/me/subscription, and the /account control. */

export async function subscriptionApiRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
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
    async (request, reply) => {
      const { user } = await requireSession(ctx, request);
      await setSubscribed(ctx, user.id, request.body.subscribed, request.ip);
      reply.header('cache-control', 'no-store');
      return { subscribed: request.body.subscribed };
    },
  );
}

export async function subscriptionPageRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.post('/account/subscription', { schema: { hide: true } }, async (request, reply) => {
    // A form post is always checked for its origin, before anything else is looked at.
    assertSameOrigin(ctx.config, request);
    const auth = await authenticate(ctx, request);
    if (auth === null) return redirectAfterPost(reply, '/login');
    const wanted = formString(request.body, 'subscribed');
    if (wanted === '1' || wanted === '0') await setSubscribed(ctx, auth.user.id, wanted === '1', request.ip);
    return redirectAfterPost(reply, '/account');
  });
}

/** The /account page's control: one button that flips the subscription. */
export function subscriptionControl(user: Pick<User, 'unsubscribed_at'>): SafeHtml {
  return user.unsubscribed_at === null
    ? buttonForm('/account/subscription', 'Unsubscribe from newsletters', { subscribed: '0' }, true)
    : buttonForm('/account/subscription', 'Subscribe to newsletters', { subscribed: '1' }, true);
}
