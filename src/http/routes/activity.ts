import type { FastifyInstance } from 'fastify';
import { parseCursor, recentActivity } from '../../accounts/activity.ts';
import { isoTime } from '../../clock.ts';
import type { Context } from '../../context.ts';
import { invalidInput, problemSchema } from '../problem.ts';
import { requireSession } from '../session-auth.ts';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

const eventSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    event: { type: 'string', description: 'e.g. login.succeeded, login.failed, password_reset.completed' },
    at: { type: 'string', format: 'date-time' },
    ip: { type: ['string', 'null'] },
    detail: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

/** GET /v1/me/activity: the logged-in user's own recent security events, newest first. */
export async function activityRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.get<{ Querystring: { limit?: string; before?: string } }>(
    '/me/activity',
    {
      schema: {
        tags: ['sessions'],
        summary: "The logged-in user's recent security events (log-ins, resets, changes), newest first",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            // Query values are strings, and oto does not coerce types: the patterns say the shape.
            limit: {
              type: 'string',
              pattern: '^[0-9]{1,3}$',
              description: `1 to ${MAX_LIMIT}, default ${DEFAULT_LIMIT}`,
            },
            before: { type: 'string', maxLength: 100, description: 'nextBefore of the previous page' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              events: { type: 'array', items: eventSchema },
              nextBefore: { type: ['string', 'null'] },
            },
          },
          401: problemSchema,
          422: problemSchema,
        },
      },
    },
    async (request) => {
      const { user } = await requireSession(ctx, request);
      const limit = request.query.limit === undefined ? DEFAULT_LIMIT : Number(request.query.limit);
      if (limit < 1 || limit > MAX_LIMIT) {
        throw invalidInput([{ field: 'limit', message: `must be from 1 to ${MAX_LIMIT}` }]);
      }
      const { before } = request.query;
      if (before !== undefined && parseCursor(before) === null) {
        throw invalidInput([{ field: 'before', message: 'must be the nextBefore of a previous page' }]);
      }
      const page = await recentActivity(ctx, user.id, { limit, before });
      return {
        events: page.events.map((e) => ({ ...e, at: isoTime(e.at) })),
        nextBefore: page.nextBefore,
      };
    },
  );
}
