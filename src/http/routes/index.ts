import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Context } from '../../context.ts';
import { apiKeyGuard } from '../api-key.ts';
import { HttpProblem } from '../problem.ts';
import { accountDataRoutes } from './account-data.ts';
import { accountSecurityRoutes } from './account-security.ts';
import { accountRoutes } from './accounts.ts';
import { activityRoutes } from './activity.ts';
import { adminUserRoutes } from './admin-users.ts';
import { emailChangeRoutes } from './email-change.ts';
import { grantRoutes, invitationRoutes } from './invitations.ts';
import { newsletterRoutes } from './newsletters.ts';
import { introspectionRoutes, sessionRoutes } from './sessions.ts';
import { signInRoutes } from './sign-in.ts';
import { subscriptionRoutes } from './subscription.ts';
import { tokenRoutes } from './tokens.ts';
import { unsubscribeRoutes } from './unsubscribe.ts';
import { webhookRoutes } from './webhooks.ts';

/**
 * The JSON API, registered by plugin.ts under the prefix /v1. The rules of the prefix live here,
 * once, and nowhere in the route files:
 * - it takes JSON bodies only (requireJson);
 * - no answer is cached (Cache-Control: no-store): answers carry tokens, sessions and personal data;
 * - the routes other backends call sit behind the API key, one sub-plugin per scope of key.
 * The per-IP rate limit is registered once by plugin.ts, for the pages too; a route opts in with
 * `config: rateLimited(ctx)`.
 */
export async function apiRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.addHook('onRequest', requireJson);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  // Called by the app's own backends with a key from OTO_API_KEYS; each group needs its scope.
  const keys = ctx.config.apiKeys;
  await app.register(async (tokens) => {
    tokens.addHook('onRequest', apiKeyGuard(keys, 'tokens'));
    await tokens.register(tokenRoutes, { ctx });
  });
  await app.register(async (introspect) => {
    // Grants are what the backend records about who a user is, beside asking who a session is.
    introspect.addHook('onRequest', apiKeyGuard(keys, 'introspect'));
    await introspect.register(introspectionRoutes, { ctx });
    await introspect.register(grantRoutes, { ctx });
  });
  await app.register(async (newsletter) => {
    newsletter.addHook('onRequest', apiKeyGuard(keys, 'newsletter'));
    await newsletter.register(newsletterRoutes, { ctx });
  });
  await app.register(async (admin) => {
    admin.addHook('onRequest', apiKeyGuard(keys, 'admin'));
    await admin.register(adminUserRoutes, { ctx });
    await admin.register(webhookRoutes, { ctx });
  });

  await app.register(sessionRoutes, { ctx });
  await app.register(activityRoutes, { ctx });
  await app.register(accountRoutes, { ctx });
  await app.register(signInRoutes, { ctx });
  await app.register(unsubscribeRoutes, { ctx });
  await app.register(subscriptionRoutes, { ctx });
  await app.register(invitationRoutes, { ctx });
  await app.register(emailChangeRoutes, { ctx });
  await app.register(accountDataRoutes, { ctx });
  await app.register(accountSecurityRoutes, { ctx });
}

/**
 * Form posts belong to the pages; the JSON API takes JSON only. That also keeps /v1 out of reach of
 * cross-site HTML forms, which can send urlencoded or text bodies without a CORS preflight.
 */
async function requireJson(request: FastifyRequest) {
  const contentType = request.headers['content-type'];
  const contentLength = request.headers['content-length'];
  const hasBody = contentType !== undefined || (contentLength !== undefined && contentLength !== '0');
  if (hasBody && !/^application\/json\s*(;|$)/i.test(contentType ?? '')) {
    throw new HttpProblem(415, 'unsupported_media_type', 'The request body must be JSON.', {
      detail: 'Send Content-Type: application/json.',
    });
  }
}
