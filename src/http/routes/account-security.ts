import type { FastifyInstance } from 'fastify';
import { type SensitiveAction, sendActionCode } from '../../accounts/action-codes.ts';
import { changePassword } from '../../accounts/change-password.ts';
import {
  deviceSessionView,
  listSessions,
  revokeOtherSessions,
  revokeOwnSession,
} from '../../accounts/devices.ts';
import type { Context } from '../../context.ts';
import {
  codeProblem,
  cooldownProblem,
  HttpProblem,
  invalidInput,
  wrongCurrentPasswordProblem,
} from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import * as schemas from '../schemas/account-security.ts';
import { clearSessionCookie, requireSession } from '../session-auth.ts';

/**
 * POST /v1/me/password, and the sessions and devices of the logged-in user: list them, log one out,
 * log out every other one.
 */
export async function accountSecurityRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.route<{ Body: { currentPassword?: string; code?: string; newPassword: string } }>({
    ...schemas.changePassword,
    config: rateLimited(ctx),
    handler: async (request) => {
      const { user, session } = await requireSession(ctx, request);
      const { currentPassword, code, newPassword } = request.body;
      const result = await changePassword(ctx, {
        user,
        sessionId: session.id,
        currentPassword: currentPassword ?? '',
        code,
        newPassword,
        ip: request.ip,
      });
      if (result.ok) return { status: 'password_changed', revokedSessions: result.revokedSessions };
      if (result.reason === 'invalid_input') throw invalidInput(result.errors);
      if (result.reason === 'wrong_password') throw wrongCurrentPasswordProblem();
      if (result.reason === 'code_invalid') throw codeProblem('code_invalid');
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

  app.route<{ Body: { currentPassword?: string; code?: string } }>({
    ...schemas.revokeOtherSessions,
    config: rateLimited(ctx),
    handler: async (request) => {
      const { user, session } = await requireSession(ctx, request);
      const result = await revokeOtherSessions(ctx, {
        user,
        sessionId: session.id,
        password: request.body.currentPassword ?? '',
        code: request.body.code,
        ip: request.ip,
      });
      if (result.ok) return { revoked: result.revoked };
      if (result.reason === 'invalid_input') throw invalidInput(result.errors);
      if (result.reason === 'wrong_password') throw wrongCurrentPasswordProblem();
      if (result.reason === 'code_invalid') throw codeProblem('code_invalid');
      throw cooldownProblem(result);
    },
  });

  // The code an account without a password gives in place of currentPassword (action-codes.ts).
  app.route<{ Body: { action: SensitiveAction } }>({
    ...schemas.requestActionCode,
    config: rateLimited(ctx),
    handler: async (request, reply) => {
      const { user } = await requireSession(ctx, request);
      const result = await sendActionCode(ctx, { user, action: request.body.action });
      if (!result.ok) throw codeProblem('codes_not_accepted');
      return reply
        .status(202)
        .send({ status: 'pending', message: 'A code for this action is on its way to your email.' });
    },
  });
}
