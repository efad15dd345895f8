import type { FastifyInstance } from 'fastify';
import { changePassword } from '../../accounts/change-password.ts';
import {
  deviceSessionView,
  listSessions,
  revokeOtherSessions,
  revokeOwnSession,
} from '../../accounts/devices.ts';
import type { Context } from '../../context.ts';
import { cooldownProblem, HttpProblem, invalidInput, wrongCurrentPasswordProblem } from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import * as schemas from '../schemas/account-security.ts';
import { clearSessionCookie, requireSession } from '../session-auth.ts';

/**
 * POST /v1/me/password, and the sessions and devices of the logged-in user: list them, log one out,
 * log out every other one.
 */
export async function accountSecurityRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.route<{ Body: { currentPassword: string; newPassword: string } }>({
    ...schemas.changePassword,
    config: rateLimited(ctx),
    handler: async (request) => {
      const { user, session } = await requireSession(ctx, request);
      const result = await changePassword(ctx, {
        user,
        sessionId: session.id,
        ...request.body,
        ip: request.ip,
      });
      if (result.ok) return { status: 'password_changed', revokedSessions: result.revokedSessions };
      if (result.reason === 'invalid_input') throw invalidInput(result.errors);
      if (result.reason === 'wrong_password') throw wrongCurrentPasswordProblem();
      throw cooldownProblem(result);
    },
  });

  app.route({
    ...schemas.listSessions,
    handler: async (request) => {
      const { user, session } = await requireSession(ctx, request);
      const sessions = await listSessions(ctx, user.id, session.id);
      return { sessions: sessions.map(deviceSessionView) };
    },
  });

  app.route<{ Params: { id: string } }>({
    ...schemas.revokeSession,
    handler: async (request, reply) => {
      const { user, session } = await requireSession(ctx, request);
      const { id } = request.params;
      if (!(await revokeOwnSession(ctx, { userId: user.id, sessionId: id, ip: request.ip }))) {
        throw new HttpProblem(404, 'not_found', 'There is no such session of yours.');
      }
      if (id === session.id) clearSessionCookie(reply, ctx.config);
      return reply.status(204).send();
    },
  });

  app.route<{ Body: { currentPassword: string } }>({
    ...schemas.revokeOtherSessions,
    config: rateLimited(ctx),
    handler: async (request) => {
      const { user, session } = await requireSession(ctx, request);
      const result = await revokeOtherSessions(ctx, {
        user,
        sessionId: session.id,
        password: request.body.currentPassword,
        ip: request.ip,
      });
      if (result.ok) return { revoked: result.revoked };
      if (result.reason === 'invalid_input') throw invalidInput(result.errors);
      if (result.reason === 'wrong_password') throw wrongCurrentPasswordProblem();
      throw cooldownProblem(result);
    },
  });
}
