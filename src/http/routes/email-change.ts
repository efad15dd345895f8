import type { FastifyInstance } from 'fastify';
import { confirmEmailChange, requestEmailChange } from '../../accounts/email-change.ts';
import type { Context } from '../../context.ts';
import {
  codeProblem,
  cooldownProblem,
  emailTakenProblem,
  HttpProblem,
  invalidInput,
  tokenProblem,
  wrongCurrentPasswordProblem,
} from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import * as schemas from '../schemas/email-change.ts';
import { requireSession } from '../session-auth.ts';

/** The one 202 body: the same whether or not the new address is free. */
export const CHANGE_REQUESTED = {
  status: 'pending',
  message: 'If the new address can be used, a confirmation link is on its way to it.',
} as const;

/** Change of email: POST /v1/me/email, and its confirmation (the page its link opens is in pages/). */
export async function emailChangeRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.route<{ Body: { newEmail: string; currentPassword?: string; password?: string; code?: string } }>({
    ...schemas.requestEmailChange,
    config: rateLimited(ctx),
    handler: async (request, reply) => {
      const { user } = await requireSession(ctx, request);
      const { newEmail, currentPassword, password, code } = request.body;
      const result = await requestEmailChange(ctx, {
        user,
        newEmail,
        // `password` is the field's name before the other sensitive actions came (schemas say so).
        password: currentPassword ?? password ?? '',
        code,
        ip: request.ip,
      });
      if (!result.ok) {
        if (result.reason === 'invalid_input') throw invalidInput(result.errors);
        if (result.reason === 'wrong_password') throw wrongCurrentPasswordProblem();
        if (result.reason === 'code_invalid') throw codeProblem('code_invalid');
        throw cooldownProblem(result);
      }
      return reply.status(202).send(CHANGE_REQUESTED);
    },
  });

  app.route<{ Body: { token: string } }>({
    ...schemas.confirmEmailChange,
    handler: async (request) => {
      const { user, session } = await requireSession(ctx, request);
      const result = await confirmEmailChange(ctx, {
        token: request.body.token,
        userId: user.id,
        sessionId: session.id,
        ip: request.ip,
      });
      if (result.ok) return { status: 'email_changed' };
      if (result.reason === 'wrong_account') {
        throw new HttpProblem(403, 'wrong_account', 'This link belongs to another account.', {
          detail: 'Log in as the account that asked for the change.',
        });
      }
      if (result.reason === 'email_taken') throw emailTakenProblem();
      throw tokenProblem(result.reason);
    },
  });
}
