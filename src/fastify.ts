import { fastifyCookie } from '@fastify/cookie';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { bearerToken } from './http/api-key.ts';
import { problemErrorHandler } from './http/error-handler.ts';
import { otoHttp } from './http/plugin.ts';
import { HttpProblem } from './http/problem.ts';
import { isCrossOrigin, unauthenticated } from './http/session-auth.ts';
import { strictValidatorCompiler } from './http/validation.ts';
import type { PublicUser, SessionView } from './library/flows.ts';
import { contextOf, type Oto } from './library/oto.ts';

/**
 * `app.register(otoPlugin, { oto })`: oto's JSON API and pages inside the app's own Fastify, under
 * oto's basePath (the links in its emails must know the prefix, so the prefix is set once, in
 * createOto, and not again here). oto's routes live in an encapsulated context of their own, with
 * their own error handler, body parsers and a validator that keeps oto's strict settings whatever
 * the app's Ajv options are; the app's hooks still run for them.
 *
 * For the app's own routes it adds `app.otoSession` (a preHandler that sets request.otoSession, or
 * null) and `app.requireOtoSession` (the same, but answers 401 without a session). A session is
 * oto's cookie or `Authorization: Bearer <session token>`; a state-changing request that rides on
 * the cookie must come from the public origin, as for oto's own routes (CSRF).
 */

export interface OtoSessionOnRequest {
  session: SessionView;
  user: PublicUser;
}

export interface OtoPluginOptions {
  oto: Oto;
  /**
   * Optional, and only as a check: oto's routes sit under createOto's basePath, which the links
   * in its emails carry too. A prefix that differs from it is refused at registration, rather
   * than mounting routes where no emailed link points.
   */
  prefix?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    otoSession: OtoSessionOnRequest | null;
  }
  interface FastifyInstance {
    otoSession: preHandlerAsyncHookHandler;
    requireOtoSession: preHandlerAsyncHookHandler;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

async function plugin(app: FastifyInstance, { oto, prefix }: OtoPluginOptions): Promise<void> {
  const ctx = contextOf(oto);
  const mountPrefix = prefixWithin(app.prefix, ctx.config.basePath, prefix);
  const cookieName = ctx.config.sessions.cookieName;

  async function sessionOf(request: FastifyRequest): Promise<OtoSessionOnRequest | null> {
    const bearer = bearerToken(request);
    const token = bearer ?? fastifyCookie.parse(request.headers.cookie ?? '')[cookieName];
    if (token === undefined) return null;
    const found = await oto.sessions.lookup(token);
    if (found === null) return null;
    if (bearer === null && !SAFE_METHODS.has(request.method) && isCrossOrigin(ctx.config, request))
      throw new HttpProblem(403, 'cross_origin', 'Requests from other sites are not accepted here.');
    return found;
  }

  app.decorateRequest('otoSession', null);
  app.decorate('otoSession', async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      request.otoSession = await sessionOf(request);
    } catch (error) {
      problemErrorHandler(error as FastifyError, request, reply);
      return reply;
    }
  });
  app.decorate('requireOtoSession', async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      request.otoSession = await sessionOf(request);
      if (request.otoSession === null) throw unauthenticated();
    } catch (error) {
      problemErrorHandler(error as FastifyError, request, reply);
      return reply;
    }
  });

  await app.register(async (scoped) => {
    scoped.setValidatorCompiler(strictValidatorCompiler());
    await otoHttp(scoped, { ctx, embedded: true, mountPrefix });
  });
}

/**
 * What is left of basePath to register under, inside an app context that already has a prefix of
 * its own (`app.register(async (api) => api.register(otoPlugin, { oto }), { prefix: '/api' })`
 * with basePath '/api/auth' mounts at '/auth' within it).
 */
function prefixWithin(contextPrefix: string, basePath: string, asked: string | undefined): string {
  const normalized = (path: string) => (path.endsWith('/') ? path.slice(0, -1) : path);
  if (asked !== undefined && normalized(asked) !== basePath) {
    throw new Error(
      `otoPlugin: prefix "${asked}" differs from createOto's basePath "${basePath}"; set basePath: "${normalized(asked)}" in createOto, where the emailed links take it from`,
    );
  }
  const context = normalized(contextPrefix);
  if (context === '') return basePath;
  if (basePath === context || basePath.startsWith(`${context}/`)) return basePath.slice(context.length);
  throw new Error(
    `otoPlugin: registered under the prefix "${contextPrefix}", outside createOto's basePath "${basePath}"; register it at the app's root, or set basePath to where it is mounted`,
  );
}

export const otoPlugin = fastifyPlugin(plugin, { fastify: '5.x', name: 'oto' });
export default otoPlugin;
