import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  confirmEmailChange,
  inspectEmailChangeLink,
  requestEmailChange,
} from '../../accounts/email-change.ts';
import type { Context } from '../../context.ts';
import { html, type SafeHtml } from '../../html.ts';
import type { ConsumeFailure } from '../../tokens/tokens.ts';
import { pageErrorHandler } from '../pages/errors.ts';
import { buttonForm, formString, linkMessage, notice } from '../pages/forms.ts';
import { redirectAfterPost, sendPage } from '../pages/layout.ts';
import { cooldownProblem, HttpProblem, invalidInput, problemSchema, tokenProblem } from '../problem.ts';
import { rateLimited, registerRateLimit } from '../rate-limit.ts';
import { assertSameOrigin, authenticate, requireSession } from '../session-auth.ts';

/** Change of email over HTTP: POST /v1/me/email, its confirmation, and the page its link opens. */
export async function emailChangeRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  await registerRateLimit(app, ctx);
  await app.register(emailChangeApi, { ctx, prefix: '/v1' });
  await app.register(emailChangePages, { ctx });
}

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

const EMAIL_TAKEN = () =>
  new HttpProblem(409, 'email_taken', 'This address now belongs to another account.', {
    detail: 'Ask for a change to another address.',
  });

async function emailChangeApi(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

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
      if (result.reason === 'email_taken') throw EMAIL_TAKEN();
      throw tokenProblem(result.reason);
    },
  );
}

async function emailChangePages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = (reply: FastifyReply, title: string, body: SafeHtml, status = 200) =>
    sendPage(reply, config, { title, body, status });

  app.setErrorHandler(pageErrorHandler(config));

  const badLink = (reply: FastifyReply, reason: ConsumeFailure) =>
    page(
      reply,
      'This link cannot be used',
      html`${notice('bad', linkMessage(reason, 'a newer change was asked for, or the account changed since'))}<p>You can ask for the change again from your account.</p>`,
      tokenProblem(reason).status,
    );
  const loginFirst = (reply: FastifyReply, status = 200) =>
    page(
      reply,
      'Log in to confirm',
      html`<p>To confirm this change of email, <a href="/login">log in</a> to the account that asked for it,
then open the link again.</p>`,
      status,
    );
  const otherAccount = (reply: FastifyReply, status = 200) =>
    page(
      reply,
      'This link is for another account',
      html`${notice('bad', 'You are logged in to another account than the one that asked for this change.')}
<p>Log out, log in to the right account, then open the link again.</p>
${buttonForm('/logout', 'Log out', {}, true)}`,
      status,
    );

  app.get<{ Querystring: { token?: unknown } }>(
    '/confirm-email',
    { schema: { hide: true } },
    async (request, reply) => {
      const token = typeof request.query.token === 'string' ? request.query.token : '';
      const link = await inspectEmailChangeLink(ctx, token);
      if (!link.ok) return badLink(reply, link.reason);
      const auth = await authenticate(ctx, request);
      if (auth === null) return loginFirst(reply);
      if (auth.user.id !== link.userId) return otherAccount(reply);
      return page(
        reply,
        'Confirm your new email',
        html`<p>Change the email of your account from <strong>${auth.user.email}</strong> to
<strong>${link.newEmail}</strong>?</p>
${buttonForm('/confirm-email', 'Confirm the change', { token })}
<p class="hint">Your other sessions will be logged out.</p>`,
      );
    },
  );

  app.post('/confirm-email', { schema: { hide: true } }, async (request, reply) => {
    assertSameOrigin(config, request);
    const auth = await authenticate(ctx, request);
    if (auth === null) return loginFirst(reply, 401);
    const result = await confirmEmailChange(ctx, {
      token: formString(request.body, 'token'),
      userId: auth.user.id,
      sessionId: auth.session.id,
      ip: request.ip,
    });
    if (result.ok) return redirectAfterPost(reply, '/account?email_changed=1');
    if (result.reason === 'wrong_account') return otherAccount(reply, 403);
    if (result.reason === 'email_taken') {
      return page(reply, 'This address is taken', notice('bad', EMAIL_TAKEN().title), 409);
    }
    return badLink(reply, result.reason);
  });
}
