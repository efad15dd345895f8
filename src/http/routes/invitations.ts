import type { FastifyInstance } from 'fastify';
import { isoTime } from '../../clock.ts';
import type { Context } from '../../context.ts';
import { type AcceptResult, inspectInvitation } from '../../invitations/accepting.ts';
import { addGrant, checkGrant, listGrants } from '../../invitations/grants.ts';
import {
  type InvitationView,
  invite,
  listOpenInvitations,
  revokeInvitation,
} from '../../invitations/inviting.ts';
import { accept } from '../accept-invitation.ts';
import { HttpProblem, invalidInput, tokenProblem } from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import * as schemas from '../schemas/invitations.ts';
import { requireSession, setSessionCookie } from '../session-auth.ts';

/** Invitations: the JSON API (the page the emailed link opens is in pages/). */
export async function invitationRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.route<{ Body: { email: string; scope?: string; role?: string } }>({
    ...schemas.invite,
    config: rateLimited(ctx),
    handler: async (request, reply) => {
      const { user } = await requireSession(ctx, request);
      const result = await invite(ctx, user, request.body, request.ip);
      if (!result.ok) {
        if (result.reason === 'invalid_input') throw invalidInput(result.errors);
        if (result.reason === 'rate_limited') {
          throw new HttpProblem(429, 'rate_limited', 'Too many invitations. Try again later.', {
            detail: 'Invitations are limited per inviter and per address each hour.',
            headers: { 'retry-after': '3600' },
          });
        }
        throw new HttpProblem(403, 'not_allowed', 'You cannot invite into this scope with this role.', {
          detail: 'Invite with a role you hold in the scope, or hold its owner role.',
        });
      }
      return reply.status(201).send(invitationJson(result.invitation));
    },
  });

  app.route({
    ...schemas.listInvitations,
    handler: async (request) => {
      const { user } = await requireSession(ctx, request);
      return { invitations: (await listOpenInvitations(ctx, user.id)).map(invitationJson) };
    },
  });

  app.route<{ Params: { id: string } }>({
    ...schemas.revokeInvitation,
    handler: async (request, reply) => {
      const { user } = await requireSession(ctx, request);
      const result = await revokeInvitation(ctx, user.id, request.params.id, request.ip);
      if (result === 'not_found') {
        throw new HttpProblem(404, 'not_found', 'There is no such invitation of yours.');
      }
      if (result === 'not_open') {
        throw new HttpProblem(409, 'invitation_not_open', 'This invitation was already accepted or revoked.');
      }
      return reply.status(204).send();
    },
  });

  app.route<{ Body: { token: string } }>({
    ...schemas.inspectInvitation,
    handler: async (request) => {
      const result = await inspectInvitation(ctx, request.body.token);
      if (!result.ok) throw tokenProblem(result.reason);
      return { ...result.invitation, expiresAt: isoTime(result.invitation.expiresAt) };
    },
  });

  app.route<{ Body: { token: string; password?: string } }>({
    ...schemas.acceptInvitation,
    config: rateLimited(ctx),
    handler: async (request, reply) => {
      const result = await accept(ctx, request, request.body.token, request.body.password);
      if (!result.ok) throw acceptProblem(result);
      if (result.status === 'accepted') return { status: 'accepted' };
      const { token: sessionToken, session } = result.session;
      setSessionCookie(reply, ctx.config, sessionToken, session);
      return { status: 'account_created', sessionToken, expiresAt: isoTime(session.expiresAt) };
    },
  });

  app.route({
    ...schemas.listGrants,
    handler: async (request) => {
      const { user } = await requireSession(ctx, request);
      const grants = await listGrants(ctx, user.id);
      return { grants: grants.map((g) => ({ ...g, createdAt: isoTime(g.createdAt) })) };
    },
  });
}

/**
 * The app's backend grants roles directly, e.g. "owner" of a scope it just created, from which
 * invitations can then flow. Behind the API key (routes/index.ts).
 */
export async function grantRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.route<{ Body: { userId: string; scope: string; role: string } }>({
    ...schemas.addGrant,
    handler: async (request, reply) => {
      const { userId, scope, role } = request.body;
      const problems = checkGrant(scope, role);
      if (problems.length > 0) throw invalidInput(problems);
      const user = await ctx.db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
      if (user === undefined) throw new HttpProblem(404, 'not_found', 'There is no such user.');
      await addGrant(ctx, ctx.db, { userId, scope, role });
      return reply.status(201).send({ userId, scope, role });
    },
  });
}

function acceptProblem(result: Extract<AcceptResult, { ok: false }>): HttpProblem {
  switch (result.reason) {
    case 'wrong_account':
      return new HttpProblem(403, 'wrong_account', 'This invitation is for another account.', {
        detail:
          'Log out, then accept it logged in as the invited address (or without a session to create it).',
      });
    case 'login_required':
      return new HttpProblem(401, 'login_required', 'Log in to accept this invitation.', {
        detail: 'The invited address has an account: accept from its session.',
        headers: { 'www-authenticate': 'Bearer' },
      });
    case 'invalid_password':
      return invalidInput(result.errors);
    case 'account_exists':
      return new HttpProblem(409, 'account_exists', 'An account was just created for this address.', {
        detail: 'Log in as the invited address, then accept the invitation.',
      });
    default:
      return tokenProblem(result.reason);
  }
}

function invitationJson(invitation: InvitationView) {
  return {
    id: invitation.id,
    email: invitation.email,
    scope: invitation.scope,
    role: invitation.role,
    expiresAt: isoTime(invitation.expiresAt),
    createdAt: isoTime(invitation.createdAt),
  };
}
