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

async function plugin(app: FastifyInstance, { oto }: OtoPluginOptions): Promise<void> {
  const ctx = contextOf(oto);
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
    await otoHttp(scoped, { ctx, embedded: true });
  });
}

export const otoPlugin = fastifyPlugin(plugin, { fastify: '5.x', name: 'oto' });
export default otoPlugin;
