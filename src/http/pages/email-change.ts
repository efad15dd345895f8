import type { FastifyInstance, FastifyReply } from 'fastify';
import { confirmEmailChange, inspectEmailChangeLink } from '../../accounts/email-change.ts';
import type { Context } from '../../context.ts';
import { html } from '../../html.ts';
import type { Words } from '../../i18n/locales.ts';
import type { ConsumeFailure } from '../../tokens/tokens.ts';
import { tokenProblem } from '../problem.ts';
import { assertSameOrigin, authenticate } from '../session-auth.ts';
import { accountLinkWords, buttonForm, formString, linkMessage, notice, queryString } from './forms.ts';
import { PAGE_ROUTE, pageSender, pageWords, redirectAfterPost } from './layout.ts';
import { loginPath } from './return-to.ts';

/** Change of email: the page the link sent to the new address opens, and its confirmation. */
export async function emailChangePages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = pageSender(config);

  const badLink = (w: Words, reply: FastifyReply, reason: ConsumeFailure) =>
    page(
      reply,
      w.t('link.cannotUse'),
      html`${notice('bad', linkMessage(reason, { ...accountLinkWords(w), token_revoked: w.t('change.revoked') }))}<p>${w.t('change.askAgain')}</p>`,
      tokenProblem(reason).status,
    );
  // Logging in comes back to this link's page (return-to.ts), so the user need not find the email again.
  const loginFirst = (w: Words, reply: FastifyReply, token: string, status = 200) =>
    page(
      reply,
      w.t('change.loginTitle'),
      html`<p>${w.html('change.logInFirst', { logIn: html`<a href="${loginPath(linkPath(token))}">${w.t('change.logIn')}</a>` })}</p>`,
      status,
    );
  const linkPath = (token: string) => `${config.basePath}/confirm-email?token=${encodeURIComponent(token)}`;
  const otherAccount = (w: Words, reply: FastifyReply, status = 200) =>
    page(
      reply,
      w.t('change.otherTitle'),
      html`${notice('bad', w.t('change.otherAccount'))}
<p>${w.t('change.logOutThenOpen')}</p>
${buttonForm('/logout', w.t('account.logOut'), {}, true)}`,
      status,
    );

  app.get<{ Querystring: { token?: unknown } }>('/confirm-email', PAGE_ROUTE, async (request, reply) => {
    const w = pageWords(config, request);
    const token = queryString(request.query.token);
    const link = await inspectEmailChangeLink(ctx, token);
    if (!link.ok) return badLink(w, reply, link.reason);
    const auth = await authenticate(ctx, request);
    if (auth === null) return loginFirst(w, reply, token);
    if (auth.user.id !== link.userId) return otherAccount(w, reply);
    return page(
      reply,
      w.t('change.confirmTitle'),
      html`<p>${w.html('change.question', { from: html`<strong>${auth.user.email}</strong>`, to: html`<strong>${link.newEmail}</strong>` })}</p>
${buttonForm('/confirm-email', w.t('change.confirm'), { token })}
<p class="hint">${w.t('change.othersLoggedOut')}</p>`,
    );
  });

  app.post('/confirm-email', PAGE_ROUTE, async (request, reply) => {
    assertSameOrigin(config, request);
    const w = pageWords(config, request);
    const auth = await authenticate(ctx, request);
    const token = formString(request.body, 'token');
    if (auth === null) return loginFirst(w, reply, token, 401);
    const result = await confirmEmailChange(ctx, {
      token,
      userId: auth.user.id,
      sessionId: auth.session.id,
      ip: request.ip,
    });
    if (result.ok) return redirectAfterPost(reply, config, '/account?email_changed=1');
    if (result.reason === 'wrong_account') return otherAccount(w, reply, 403);
    if (result.reason === 'email_taken') {
      return page(reply, w.t('change.takenTitle'), notice('bad', w.t('change.taken')), 409);
    }
    return badLink(w, reply, result.reason);
  });
}
