import type { FastifyInstance } from 'fastify';
import { logOut } from '../../accounts/logout.ts';
import { lookupSession } from '../../accounts/sessions.ts';
import { localeError, setUserLocale } from '../../accounts/user-locale.ts';
import { findUserById, publicUser } from '../../accounts/users.ts';
import { isoTime } from '../../clock.ts';
import type { Context } from '../../context.ts';
import { supportedLocale } from '../../i18n/locales.ts';
import { invalidInput } from '../problem.ts';
import * as schemas from '../schemas/sessions.ts';
import { clearSessionCookie, requireSession } from '../session-auth.ts';

/** Who is logged in, logging out, and session introspection for the app's own backends. */

const INACTIVE = { active: false, userId: null, email: null, emailVerified: null, expiresAt: null };

export async function sessionRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.route({
    ...schemas.currentUser,
    handler: async (request) => publicUser((await requireSession(ctx, request)).user),
  });

  app.route<{ Body: { locale: string | null } }>({
    ...schemas.updateCurrentUser,
    handler: async (request) => {
      const { user } = await requireSession(ctx, request);
      const locale = request.body.locale === null ? null : supportedLocale(request.body.locale);
      if (locale === undefined) throw invalidInput([localeError()]);
      await setUserLocale(ctx, user.id, locale);
      return publicUser((await findUserById(ctx.db, user.id)) ?? { ...user, locale });
    },
  });

  app.route({
    ...schemas.logOut,
    handler: async (request, reply) => {
      const { session, user } = await requireSession(ctx, request);
      await logOut(ctx, { sessionId: session.id, userId: user.id }, request.ip);
      clearSessionCookie(reply, ctx.config);
      return reply.status(204).send();
    },
  });
}

/** Session introspection for the app's own backends, behind the API key (routes/index.ts). */
export async function introspectionRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.route<{ Body: { token: string } }>({
    ...schemas.introspectSession,
    handler: async (request) => {
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
  });
}
