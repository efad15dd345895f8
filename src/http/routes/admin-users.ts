import type { FastifyInstance, FastifyRequest } from 'fastify';
import { deleteAccount } from '../../accounts/account-deletion.ts';
import { sendResetLinkAsOperator } from '../../accounts/password-reset.ts';
import { resendVerificationAsOperator } from '../../accounts/resend-verification.ts';
import { describeUser, listUsers, parseUserCursor, type UserStatus } from '../../accounts/user-search.ts';
import {
  disableUser,
  enableUser,
  findAccount,
  type Operator,
  revokeSessionsOf,
} from '../../accounts/user-status.ts';
import { isoTime } from '../../clock.ts';
import type { Context } from '../../context.ts';
import { apiKeyActor } from '../api-key.ts';
import { HttpProblem, invalidInput } from '../problem.ts';
import * as schemas from '../schemas/admin-users.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../schemas/admin-users.ts';

/**
 * /v1/admin/users: the admin API, behind a key with the `admin` scope (routes/index.ts). Routes
 * map requests to src/accounts/user-search.ts and user-status.ts, which `oto users` calls too; the
 * key's name is the actor of every audit entry they write.
 */

interface ById {
  Params: { id: string };
}

export async function adminUserRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const operator = (request: FastifyRequest): Operator => ({ actor: apiKeyActor(request), ip: request.ip });
  // The actions that need only the id take `{}` or no body at all (`curl -X POST` with nothing).
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST' && request.body === undefined) request.body = {};
  });

  app.route<{ Querystring: { email?: string; status?: UserStatus; cursor?: string; limit?: string } }>({
    ...schemas.adminListUsers,
    handler: async (request) => {
      const { email, status, cursor } = request.query;
      const limit = request.query.limit === undefined ? DEFAULT_PAGE_SIZE : Number(request.query.limit);
      if (limit < 1 || limit > MAX_PAGE_SIZE) {
        throw invalidInput([{ field: 'limit', message: `must be from 1 to ${MAX_PAGE_SIZE}` }]);
      }
      if (cursor !== undefined && parseUserCursor(cursor) === null) {
        throw invalidInput([{ field: 'cursor', message: 'must be the nextCursor of a previous page' }]);
      }
      const page = await listUsers(ctx, { email, status, cursor, limit });
      return { users: page.users.map(summaryJson), nextCursor: page.nextCursor };
    },
  });

  app.route<ById>({
    ...schemas.adminGetUser,
    handler: async (request) => {
      const user = await describeUser(ctx, request.params.id);
      if (user === null) throw noSuchUser();
      return {
        ...summaryJson(user),
        disabledReason: user.disabledReason,
        subscribed: user.subscribed,
        lastLoginAt: maybeIso(user.lastLoginAt),
        sessionCount: user.sessionCount,
      };
    },
  });

  app.route<ById & { Body: { reason: string } }>({
    ...schemas.adminDisableUser,
    handler: async (request) => {
      const result = await disableUser(ctx, request.params.id, request.body.reason, operator(request));
      if (!result.ok && result.reason === 'invalid_reason')
        throw invalidInput([{ field: 'reason', message: result.message }]);
      if (!result.ok) throw noSuchUser();
      const { ok: _, ...change } = result;
      return change;
    },
  });

  app.route<ById>({
    ...schemas.adminEnableUser,
    handler: async (request) => {
      const result = await enableUser(ctx, request.params.id, operator(request));
      if (!result.ok) throw noSuchUser();
      const { ok: _, ...change } = result;
      return change;
    },
  });

  app.route<ById>({
    ...schemas.adminRevokeSessions,
    handler: async (request) => {
      const result = await revokeSessionsOf(ctx, request.params.id, operator(request));
      if (!result.ok) throw noSuchUser();
      return { revoked: result.revoked };
    },
  });

  app.route<ById>({
    ...schemas.adminDeleteUser,
    handler: async (request, reply) => {
      const result = await deleteAccount(ctx, {
        userId: request.params.id,
        actor: apiKeyActor(request),
        ip: request.ip,
      });
      if (!result.ok) throw noSuchUser();
      return reply.status(204).send();
    },
  });

  app.route<ById>({
    ...schemas.adminSendVerificationEmail,
    handler: async (request, reply) => {
      const user = await findAccount(ctx, request.params.id);
      if (user === undefined) throw noSuchUser();
      const sent = await resendVerificationAsOperator(ctx, user, operator(request));
      return reply.status(202).send({ sent });
    },
  });

  app.route<ById>({
    ...schemas.adminSendPasswordReset,
    handler: async (request, reply) => {
      const user = await findAccount(ctx, request.params.id);
      if (user === undefined) throw noSuchUser();
      const sent = await sendResetLinkAsOperator(ctx, user, operator(request));
      return reply.status(202).send({ sent });
    },
  });
}

function noSuchUser(): HttpProblem {
  return new HttpProblem(404, 'not_found', 'There is no such user.');
}

function summaryJson(user: {
  id: string;
  email: string;
  status: UserStatus;
  createdAt: number;
  verifiedAt: number | null;
  disabledAt: number | null;
}) {
  return {
    id: user.id,
    email: user.email,
    status: user.status,
    createdAt: isoTime(user.createdAt),
    verifiedAt: maybeIso(user.verifiedAt),
    disabledAt: maybeIso(user.disabledAt),
  };
}

function maybeIso(at: number | null): string | null {
  return at === null ? null : isoTime(at);
}
