import type { FastifyInstance, FastifyReply } from 'fastify';
import { deleteOwnAccount } from '../../accounts/account-deletion.ts';
import { type AccountExport, exportAccount } from '../../accounts/account-export.ts';
import type { Context } from '../../context.ts';
import { codeProblem, cooldownProblem, invalidInput, wrongCurrentPasswordProblem } from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import * as schemas from '../schemas/account-data.ts';
import { clearSessionCookie, requireSession, unauthenticated } from '../session-auth.ts';

/** DELETE /v1/me and GET /v1/me/export (the /account pages' versions are in pages/account-data.ts). */
export async function accountDataRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.route<{ Body: { currentPassword?: string; code?: string } }>({
    ...schemas.deleteAccount,
    config: rateLimited(ctx),
    handler: async (request, reply) => {
      const { user } = await requireSession(ctx, request);
      const result = await deleteOwnAccount(ctx, {
        user,
        currentPassword: request.body.currentPassword ?? '',
        code: request.body.code,
        ip: request.ip,
      });
      if (!result.ok) {
        if (result.reason === 'invalid_input') throw invalidInput(result.errors);
        if (result.reason === 'wrong_password') throw wrongCurrentPasswordProblem();
        if (result.reason === 'code_invalid') throw codeProblem('code_invalid');
        // Deleted by a concurrent request: this session went with it.
        if (result.reason === 'unknown') throw unauthenticated();
        throw cooldownProblem(result);
      }
      clearSessionCookie(reply, ctx.config);
      return reply.status(204).send();
    },
  });

  app.route({
    ...schemas.exportAccount,
    handler: async (request, reply) => {
      const { user } = await requireSession(ctx, request);
      const data = await exportAccount(ctx, user.id);
      if (data === null) throw unauthenticated();
      return sendAccountExport(reply, data);
    },
  });
}

/**
 * The export as a download, for the API and the page alike. no-store: it is the whole account in
 * one answer, which no cache on the way should keep.
 */
export function sendAccountExport(reply: FastifyReply, data: AccountExport): FastifyReply {
  return reply
    .header('content-type', 'application/json; charset=utf-8')
    .header('content-disposition', 'attachment; filename="oto-export.json"')
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(data);
}
