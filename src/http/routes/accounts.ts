import type { FastifyInstance } from 'fastify';
import { logIn } from '../../accounts/login.ts';
import type { Cooldown } from '../../accounts/login-throttle.ts';
import { requestPasswordReset, resetPassword } from '../../accounts/password-reset.ts';
import { resendVerification } from '../../accounts/resend-verification.ts';
import { signUp } from '../../accounts/signup.ts';
import { publicUser } from '../../accounts/users.ts';
import { verifyEmail } from '../../accounts/verify-email.ts';
import { isoTime } from '../../clock.ts';
import type { Context } from '../../context.ts';
import { cooldownProblem, HttpProblem, invalidInput, problemSchema, tokenProblem } from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import { setSessionCookie } from '../session-auth.ts';

// Generous caps that stop huge strings before any work; the real limits (254 characters for an
// email, 1 KiB for a password) are checked by the flows, with a clear message.
const email = { type: 'string', maxLength: 1024 } as const;
const password = { type: 'string', maxLength: 4096 } as const;
const token = { type: 'string', maxLength: 512 } as const;

const accepted = (message: string) => ({ status: 'pending', message }) as const;
/** The 202 bodies: one per route, the same whatever the address's state. */
export const ACCEPTED = {
  signUp: accepted('Check your inbox: we sent a message to this address to continue.'),
  resend: accepted('If this address has an account waiting for confirmation, a new link is on its way.'),
  reset: accepted('If this address has an account, a link to reset its password is on its way.'),
};

const acceptedSchema = {
  type: 'object',
  properties: { status: { type: 'string' }, message: { type: 'string' } },
} as const;
const statusSchema = { type: 'object', properties: { status: { type: 'string' } } } as const;
const errors = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  410: problemSchema,
  422: problemSchema,
  429: problemSchema,
};

function body(properties: Record<string, unknown>) {
  return { type: 'object', required: Object.keys(properties), additionalProperties: false, properties };
}

interface Credentials {
  email: string;
  password: string;
}

export function loginProblem(
  result: { reason: 'invalid_credentials' | 'email_not_verified' } | LoginRefusal,
) {
  switch (result.reason) {
    case 'invalid_credentials':
      return new HttpProblem(401, 'invalid_credentials', 'The email or password is not correct.');
    case 'email_not_verified':
      return new HttpProblem(403, 'email_not_verified', 'Confirm your email address before logging in.', {
        detail: 'Follow the link we emailed you, or ask for a new one.',
      });
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
  app.post<{ Body: Credentials }>(
    '/users',
    {
      config: rateLimited(ctx),
      schema: {
        tags: ['accounts'],
        summary: 'Sign up',
        description:
          'Always 202 with the same body for valid input, whether or not the address has an account.',
        body: body({ email, password }),
        response: { 202: acceptedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const result = await signUp(ctx, { ...request.body, ip: request.ip });
      if (!result.ok) throw invalidInput(result.errors);
      return reply.status(202).send(ACCEPTED.signUp);
    },
  );

  app.post<{ Body: { token: string } }>(
    '/users/verify',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Confirm an email address with the token from the verification link',
        body: body({ token }),
        response: { 200: statusSchema, ...errors },
      },
    },
    async (request) => {
      const result = await verifyEmail(ctx, request.body.token, request.ip);
      if (!result.ok) throw tokenProblem(result.reason);
      return { status: result.status };
    },
  );

  app.post<{ Body: { email: string } }>(
    '/users/verify/resend',
    {
      config: rateLimited(ctx),
      schema: {
        tags: ['accounts'],
        summary: 'Send a new verification link',
        description: 'Always 202; a link is sent only to an existing unverified account.',
        body: body({ email }),
        response: { 202: acceptedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const result = await resendVerification(ctx, { email: request.body.email, ip: request.ip });
      if (!result.ok) throw invalidInput(result.errors);
      return reply.status(202).send(ACCEPTED.resend);
    },
  );

  app.post<{ Body: Credentials }>(
    '/sessions',
    {
      config: rateLimited(ctx),
      schema: {
        tags: ['sessions'],
        summary: 'Log in',
        description:
          'Sets the session cookie (for browsers) and returns the session token (for API clients, as a bearer token).',
        body: body({ email, password }),
        response: {
          200: {
            type: 'object',
            properties: {
              user: {
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  email: { type: 'string' },
                  emailVerified: { type: 'boolean' },
                  subscribed: { type: 'boolean' },
                  createdAt: { type: 'string' },
                },
              },
              sessionToken: { type: 'string' },
              expiresAt: { type: 'string' },
            },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
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
  );

  app.post<{ Body: { email: string } }>(
    '/password-resets',
    {
      config: rateLimited(ctx),
      schema: {
        tags: ['accounts'],
        summary: 'Forgot password: email a reset link',
        description: 'Always 202 with the same body for a valid address, whether or not it has an account.',
        body: body({ email }),
        response: { 202: acceptedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const result = await requestPasswordReset(ctx, { email: request.body.email, ip: request.ip });
      if (!result.ok) throw invalidInput(result.errors);
      return reply.status(202).send(ACCEPTED.reset);
    },
  );

  app.post<{ Body: { token: string; password: string } }>(
    '/password-resets/confirm',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Set a new password with the token from the reset link',
        description:
          'A refused password answers 422 and leaves the token usable. Success ends every session; it does not log in.',
        body: body({ token, password }),
        response: { 200: statusSchema, ...errors },
      },
    },
    async (request) => {
      const result = await resetPassword(ctx, { ...request.body, ip: request.ip });
      if (!result.ok) {
        if (result.reason === 'invalid_password') throw invalidInput(result.errors);
        throw tokenProblem(result.reason);
      }
      return { status: 'password_changed' };
    },
  );
}
