import type { FastifyInstance } from 'fastify';
import { confirmEmailChange, requestEmailChange } from '../../accounts/email-change.ts';
import type { Context } from '../../context.ts';
import {
  cooldownProblem,
  emailTakenProblem,
  HttpProblem,
  invalidInput,
  problemSchema,
  tokenProblem,
} from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import { requireSession } from '../session-auth.ts';

/** The one 202 body: the same whether or not the new address is free. */
export const CHANGE_REQUESTED = {
  status: 'pending',
  message: 'If the new address can be used, a confirmation link is on its way to it.',
} as const;

const errors = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  409: problemSchema,
  410: problemSchema,
  422: problemSchema,
  429: problemSchema,
};

/** Change of email: POST /v1/me/email, and its confirmation (the page its link opens is in pages/). */
export async function emailChangeRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.post<{ Body: { newEmail: string; password: string } }>(
    '/me/email',
    {
      config: rateLimited(ctx),
      schema: {
        tags: ['accounts'],
        summary: 'Ask to change the email of the logged-in account',
        description:
          'Needs the current password. Mails a confirmation link to the new address and a notice to ' +
          'the old one. Answers 202 with the same body whether or not the new address is free.',
        body: {
          type: 'object',
          required: ['newEmail', 'password'],
          additionalProperties: false,
          properties: {
            newEmail: { type: 'string', maxLength: 1024 },
            password: { type: 'string', maxLength: 4096 },
          },
        },
        response: {
          202: { type: 'object', properties: { status: { type: 'string' }, message: { type: 'string' } } },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { user } = await requireSession(ctx, request);
      const result = await requestEmailChange(ctx, { user, ...request.body, ip: request.ip });
      if (!result.ok) {
        if (result.reason === 'invalid_input') throw invalidInput(result.errors);
        if (result.reason === 'wrong_password') {
          throw new HttpProblem(403, 'wrong_password', 'The current password is not correct.');
        }
        throw cooldownProblem(result);
      }
      return reply.status(202).send(CHANGE_REQUESTED);
    },
  );

  app.post<{ Body: { token: string } }>(
    '/me/email/confirm',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Confirm a change of email with the token from the link sent to the new address',
        description:
          "Needs the session of the account that asked. Switches the address, marks it verified and ends the account's other sessions.",
        body: {
          type: 'object',
          required: ['token'],
          additionalProperties: false,
          properties: { token: { type: 'string', maxLength: 512 } },
        },
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } }, ...errors },
      },
    },
    async (request) => {
      const { user, session } = await requireSession(ctx, request);
      const result = await confirmEmailChange(ctx, {
        token: request.body.token,
        userId: user.id,
        sessionId: session.id,
        ip: request.ip,
      });
      if (result.ok) return { status: 'email_changed' };
      if (result.reason === 'wrong_account') {
        throw new HttpProblem(403, 'wrong_account', 'This link belongs to another account.', {
          detail: 'Log in as the account that asked for the change.',
        });
      }
      if (result.reason === 'email_taken') throw emailTakenProblem();
      throw tokenProblem(result.reason);
    },
  );
}
