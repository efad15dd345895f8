import type { FastifyInstance, FastifyReply } from 'fastify';
import { type SignedIn, signInWithCode, signInWithLink } from '../../accounts/sign-in-confirm.ts';
import { requestSignInEmail } from '../../accounts/sign-in-email.ts';
import { publicUser } from '../../accounts/users.ts';
import { isoTime } from '../../clock.ts';
import type { Context } from '../../context.ts';
import { invalidInput, notEnabledProblem, signInProblem } from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import * as schemas from '../schemas/sign-in.ts';
import { setSessionCookie } from '../session-auth.ts';
import { clearSignInBrowser, markSignInBrowser, signInNonce } from '../sign-in-browser.ts';

/** The 202 of a sign-in request: the same whatever the address's state. */
export const SIGN_IN_ACCEPTED = {
  status: 'pending',
  message: 'Check your inbox: if this address can sign in, a sign-in email is on its way.',
} as const;

/** Passwordless sign-in by email (src/accounts/sign-in-email.ts, sign-in-confirm.ts). */
export async function signInRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.route<{ Body: { email: string } }>({
    ...schemas.requestSignInEmail,
    config: rateLimited(ctx),
    handler: async (request, reply) => {
      if (!ctx.config.signIn.email) throw notEnabledProblem();
      const result = await requestSignInEmail(ctx, {
        email: request.body.email,
        ip: request.ip,
        browser: markSignInBrowser(reply, ctx.config),
      });
      if (!result.ok)
        throw result.reason === 'not_enabled' ? notEnabledProblem() : invalidInput(result.errors);
      return reply.status(202).send(SIGN_IN_ACCEPTED);
    },
  });

  app.route<{ Body: { token?: string; email?: string; code?: string; confirm?: boolean } }>({
    ...schemas.confirmSignInEmail,
    config: rateLimited(ctx),
    handler: async (request, reply) => {
      const { token, email, code, confirm } = request.body;
      const origin = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
      const result =
        token === undefined
          ? await signInWithCode(ctx, { email, code, ...origin })
          : await signInWithLink(ctx, {
              token,
              nonce: signInNonce(request, ctx.config),
              confirm: confirm === true,
              ...origin,
            });
      if (!result.ok) throw signInProblem(result);
      return signedInAnswer(ctx, reply, result);
    },
  });
}

/** Sets the session cookie, as log-in does, and answers {user, sessionToken, expiresAt}. */
function signedInAnswer(ctx: Context, reply: FastifyReply, result: SignedIn) {
  const { token: sessionToken, session } = result.created;
  setSessionCookie(reply, ctx.config, sessionToken, session);
  clearSignInBrowser(reply, ctx.config);
  return { user: publicUser(result.user), sessionToken, expiresAt: isoTime(session.expiresAt) };
}
