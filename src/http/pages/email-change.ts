import type { FastifyInstance, FastifyReply } from 'fastify';
import { confirmEmailChange, inspectEmailChangeLink } from '../../accounts/email-change.ts';
import type { Context } from '../../context.ts';
import { html } from '../../html.ts';
import type { ConsumeFailure } from '../../tokens/tokens.ts';
import { emailTakenProblem, tokenProblem } from '../problem.ts';
import { assertSameOrigin, authenticate } from '../session-auth.ts';
import { buttonForm, formString, linkMessage, linkWords, notice, queryString } from './forms.ts';
import { PAGE_ROUTE, pageSender, redirectAfterPost } from './layout.ts';
import { loginPath } from './return-to.ts';

/** Change of email: the page the link sent to the new address opens, and its confirmation. */
export async function emailChangePages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = pageSender(config);

  const badLink = (reply: FastifyReply, reason: ConsumeFailure) =>
    page(
      reply,
      'This link cannot be used',
      html`${notice('bad', linkMessage(reason, CHANGE_LINK_WORDS))}<p>You can ask for the change again from your account.</p>`,
      tokenProblem(reason).status,
    );
  // Logging in comes back to this link's page (return-to.ts), so the user need not find the email again.
  const loginFirst = (reply: FastifyReply, token: string, status = 200) =>
    page(
      reply,
      'Log in to confirm',
      html`<p>To confirm this change of email,
<a href="${loginPath(linkPath(token))}">log in</a> to the account that asked for it. You will come back here.</p>`,
      status,
    );
  const linkPath = (token: string) => `${config.basePath}/confirm-email?token=${encodeURIComponent(token)}`;
  const otherAccount = (reply: FastifyReply, status = 200) =>
    page(
      reply,
      'This link is for another account',
      html`${notice('bad', 'You are logged in to another account than the one that asked for this change.')}
<p>Log out, log in to the right account, then open the link again.</p>
${buttonForm('/logout', 'Log out', {}, true)}`,
      status,
    );

  app.get<{ Querystring: { token?: unknown } }>('/confirm-email', PAGE_ROUTE, async (request, reply) => {
    const token = queryString(request.query.token);
    const link = await inspectEmailChangeLink(ctx, token);
    if (!link.ok) return badLink(reply, link.reason);
    const auth = await authenticate(ctx, request);
    if (auth === null) return loginFirst(reply, token);
    if (auth.user.id !== link.userId) return otherAccount(reply);
    return page(
      reply,
      'Confirm your new email',
      html`<p>Change the email of your account from <strong>${auth.user.email}</strong> to
<strong>${link.newEmail}</strong>?</p>
${buttonForm('/confirm-email', 'Confirm the change', { token })}
<p class="hint">Your other sessions will be logged out.</p>`,
    );
  });

  app.post('/confirm-email', PAGE_ROUTE, async (request, reply) => {
    assertSameOrigin(config, request);
    const auth = await authenticate(ctx, request);
    const token = formString(request.body, 'token');
    if (auth === null) return loginFirst(reply, token, 401);
    const result = await confirmEmailChange(ctx, {
      token,
      userId: auth.user.id,
      sessionId: auth.session.id,
      ip: request.ip,
    });
    if (result.ok) return redirectAfterPost(reply, config, '/account?email_changed=1');
    if (result.reason === 'wrong_account') return otherAccount(reply, 403);
    if (result.reason === 'email_taken') {
      return page(reply, 'This address is taken', notice('bad', emailTakenProblem().title), 409);
    }
    return badLink(reply, result.reason);
  });
}

const CHANGE_LINK_WORDS = linkWords('a newer change was asked for, or the account changed since');
