import type { FastifyInstance } from 'fastify';
import { logOut } from '../../accounts/logout.ts';
import { lookupSession } from '../../accounts/sessions.ts';
import { publicUser } from '../../accounts/users.ts';
import { isoTime } from '../../clock.ts';
import type { Context } from '../../context.ts';
import { problemSchema } from '../problem.ts';
import { clearSessionCookie, requireSession } from '../session-auth.ts';

/** Who is logged in, logging out, and session introspection for the app's own backends. */

const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    emailVerified: { type: 'boolean' },
    subscribed: { type: 'boolean' },
    createdAt: { type: 'string' },
  },
} as const;

const introspectionSchema = {
  type: 'object',
  properties: {
    active: { type: 'boolean' },
    userId: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    emailVerified: { type: ['boolean', 'null'] },
    expiresAt: { type: ['string', 'null'] },
  },
} as const;

const INACTIVE = { active: false, userId: null, email: null, emailVerified: null, expiresAt: null };

export async function sessionRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.get(
    '/me',
    {
      schema: {
        tags: ['sessions'],
        summary: 'The logged-in user',
        response: { 200: userSchema, 401: problemSchema },
      },
    },
    async (request) => publicUser((await requireSession(ctx, request)).user),
  );

  app.delete(
    '/sessions/current',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Log out: end the session of this request',
        response: { 204: { type: 'null' }, 401: problemSchema, 403: problemSchema },
      },
    },
    async (request, reply) => {
      const { session, user } = await requireSession(ctx, request);
      await logOut(ctx, { sessionId: session.id, userId: user.id }, request.ip);
      clearSessionCookie(reply, ctx.config);
      return reply.status(204).send();
    },
  );
}

/** Session introspection for the app's own backends, behind the API key (routes/index.ts). */
export async function introspectionRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.post<{ Body: { token: string } }>(
    '/sessions/introspect',
    {
      schema: {
        tags: ['sessions'],
        summary: "Tell the app's backend whether a session token is live, and whose it is",
        description:
          'Send the value of the session cookie (or bearer token) your backend received. ' +
          'An unknown, expired or logged-out session answers {active: false}.',
        security: [{ apiKey: [] }],
        body: {
          type: 'object',
          required: ['token'],
          additionalProperties: false,
          properties: { token: { type: 'string', maxLength: 512 } },
        },
        response: { 200: introspectionSchema, 401: problemSchema, 422: problemSchema },
      },
    },
    async (request) => {
      const active = await lookupSession(ctx, request.body.token);
      if (active === null) return INACTIVE;
      return {
        active: true,
        userId: active.user.id,
        email: active.user.email,
        emailVerified: active.user.email_verified_at !== null,
        expiresAt: isoTime(active.session.expiresAt),
      };
    },
  );
}
