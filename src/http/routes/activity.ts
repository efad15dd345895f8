import type { FastifyInstance } from 'fastify';
import { parseCursor, recentActivity } from '../../accounts/activity.ts';
import { isoTime } from '../../clock.ts';
import type { Context } from '../../context.ts';
import { invalidInput } from '../problem.ts';
import * as schemas from '../schemas/activity.ts';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../schemas/activity.ts';
import { requireSession } from '../session-auth.ts';

/** GET /v1/me/activity: the logged-in user's own recent security events, newest first. */
export async function activityRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.route<{ Querystring: { limit?: string; before?: string } }>({
    ...schemas.recentActivity,
    handler: async (request) => {
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
  });
}
