import type { FastifyInstance } from 'fastify';
import { logIn } from '../../accounts/login.ts';
import type { Cooldown } from '../../accounts/login-throttle.ts';
import { requestPasswordReset, resetPassword } from '../../accounts/password-reset.ts';
import { resendVerification } from '../../accounts/resend-verification.ts';
import { resetPasswordByCode } from '../../accounts/reset-by-code.ts';
import { signUp } from '../../accounts/signup.ts';
import { localeError } from '../../accounts/user-locale.ts';
import { publicUser } from '../../accounts/users.ts';
import { verifyEmailByCode } from '../../accounts/verify-by-code.ts';
import { verifyEmail } from '../../accounts/verify-email.ts';
import { isoTime } from '../../clock.ts';
import type { Context } from '../../context.ts';
import { signUpLocale } from '../locale.ts';
import {
  accountDisabledProblem,
  codeProblem,
  cooldownProblem,
  HttpProblem,
  invalidInput,
  tokenProblem,
} from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import * as schemas from '../schemas/accounts.ts';
import { setSessionCookie } from '../session-auth.ts';

const accepted = (message: string) => ({ status: 'pending', message }) as const;
/** The 202 bodies: one per route, the same whatever the address's state. */
export const ACCEPTED = {
  signUp: accepted('Check your inbox: we sent a message to this address to continue.'),
  resend: accepted('If this address has an account waiting for confirmation, a new link is on its way.'),
  reset: accepted('If this address has an account, a link to reset its password is on its way.'),
};

interface Credentials {
  email: string;
  password: string;
}

export function loginProblem(
  result: { reason: 'invalid_credentials' | 'email_not_verified' | 'account_disabled' } | LoginRefusal,
) {
  switch (result.reason) {
    case 'invalid_credentials':
      return new HttpProblem(401, 'invalid_credentials', 'The email or password is not correct.');
    case 'email_not_verified':
      return new HttpProblem(403, 'email_not_verified', 'Confirm your email address before logging in.', {
        detail: 'Follow the link we emailed you, or ask for a new one.',
      });
    case 'account_disabled':
      return accountDisabledProblem();
    case 'cooling_down':
      return cooldownProblem(result);
  }
}

type LoginRefusal = { reason: 'cooling_down' } & Cooldown;

/**
 * The account flows' JSON API (their pages are in pages/). Routes only map requests to the flow
 * functions in src/accounts and their results to responses.
 */
export async function accountRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.route<{ Body: Credentials & { locale?: string } }>({
    ...schemas.signUp,
    config: rateLimited(ctx),
    handler: async (request, reply) => {
      const { locale: asked, ...credentials } = request.body;
      const locale = signUpLocale(ctx.config, request, asked);
      if (locale === undefined) throw invalidInput([localeError()]);
      const result = await signUp(ctx, { ...credentials, locale, ip: request.ip });
      if (!result.ok) throw invalidInput(result.errors);
      return reply.status(202).send(ACCEPTED.signUp);
    },
  });

  app.route<{ Body: { token?: string; email?: string; code?: string } }>({
    ...schemas.verifyEmail,
    handler: async (request) => {
      const { token, email, code } = request.body;
      if (token === undefined) {
        const byCode = await verifyEmailByCode(ctx, { email, code, ip: request.ip });
        if (!byCode.ok) throw codeProblem(byCode.reason);
        return { status: byCode.status };
      }
      const result = await verifyEmail(ctx, token, request.ip);
      if (!result.ok) throw tokenProblem(result.reason);
      return { status: result.status };
    },
  });

  app.route<{ Body: { email: string } }>({
    ...schemas.resendVerification,
    config: rateLimited(ctx),
    handler: async (request, reply) => {
      const result = await resendVerification(ctx, { email: request.body.email, ip: request.ip });
      if (!result.ok) throw invalidInput(result.errors);
      return reply.status(202).send(ACCEPTED.resend);
    },
  });

  app.route<{ Body: Credentials }>({
    ...schemas.logIn,
    config: rateLimited(ctx),
    handler: async (request, reply) => {
      const result = await logIn(ctx, {
        ...request.body,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      if (!result.ok) {
        if (result.reason === 'invalid_input') throw invalidInput(result.errors);
        throw loginProblem(result);
      }
      const { token: sessionToken, session } = result.created;
      setSessionCookie(reply, ctx.config, sessionToken, session);
      return {
        user: publicUser(result.user),
        sessionToken,
        expiresAt: isoTime(session.expiresAt),
      };
    },
  });

  app.route<{ Body: { email: string } }>({
    ...schemas.requestPasswordReset,
    config: rateLimited(ctx),
    handler: async (request, reply) => {
      const result = await requestPasswordReset(ctx, { email: request.body.email, ip: request.ip });
      if (!result.ok) throw invalidInput(result.errors);
      return reply.status(202).send(ACCEPTED.reset);
    },
  });

  app.route<{ Body: { token?: string; email?: string; code?: string; password: string } }>({
    ...schemas.resetPassword,
    handler: async (request) => {
      const { token, email, code, password } = request.body;
      if (token === undefined) {
        const byCode = await resetPasswordByCode(ctx, { email, code, password, ip: request.ip });
        if (!byCode.ok) {
          if (byCode.reason === 'invalid_password') throw invalidInput(byCode.errors);
          throw codeProblem(byCode.reason);
        }
        return { status: 'password_changed' };
      }
      const result = await resetPassword(ctx, { token, password, ip: request.ip });
      if (!result.ok) {
        if (result.reason === 'invalid_password') throw invalidInput(result.errors);
        throw tokenProblem(result.reason);
      }
      return { status: 'password_changed' };
    },
  });
}
