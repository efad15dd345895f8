import type { FastifyInstance, FastifyReply } from 'fastify';
import { normalizeEmail } from '../../accounts/users.ts';
import type { Context } from '../../context.ts';
import type { User } from '../../db/schema.ts';
import { html } from '../../html.ts';
import type { Words } from '../../i18n/locales.ts';
import { type InvitationDetails, inspectInvitation } from '../../invitations/accepting.ts';
import type { ConsumeFailure } from '../../tokens/tokens.ts';
import { accept } from '../accept-invitation.ts';
import { tokenProblem } from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import { assertSameOrigin, authenticate, setSessionCookie } from '../session-auth.ts';
import {
  buttonForm,
  type FieldErrors,
  field,
  formString,
  type LinkWords,
  linkMessage,
  notice,
  passwordHint,
  queryString,
} from './forms.ts';
import { PAGE_ROUTE, pageSender, pageWords, redirectAfterPost } from './layout.ts';
import { localReason } from './reasons.ts';
import { loginPath } from './return-to.ts';

/** Invitations: the page the emailed link opens, and its accept button or account form. */
export async function invitationPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = pageSender(config);

  const badLink = (w: Words, reply: FastifyReply, reason: ConsumeFailure) =>
    page(
      reply,
      w.t('invite.cannotUse'),
      html`${notice('bad', linkMessage(reason, invitationWords(w)))}<p>${w.t('invite.askNew')}</p>`,
      tokenProblem(reason).status,
    );

  const summary = (w: Words, invitation: InvitationDetails) =>
    html`<p>${w.html('invite.summary', {
      inviter: html`<strong>${invitation.inviter}</strong>`,
      email: html`<strong>${invitation.email}</strong>`,
      scope: html`<strong>${invitation.scope}</strong>`,
      role: html`<strong>${invitation.role}</strong>`,
    })}</p>
<p class="hint">${w.t('invite.until', { at: w.dateTime(invitation.expiresAt) })}</p>`;

  const acceptForm = (
    w: Words,
    tokenValue: string,
    errors: FieldErrors = {},
  ) => html`<form method="post" action="/invite" novalidate>
<input type="hidden" name="token" value="${tokenValue}">
${field({ name: 'password', label: w.t('invite.choosePassword'), type: 'password', autocomplete: 'new-password', hint: passwordHint(config, w), errors: errors['password'] })}
<button type="submit">${w.t('invite.createAndAccept')}</button>
</form>`;

  const wrongAccount = (w: Words, reply: FastifyReply, signedInAs: string, invited: string, status: number) =>
    page(
      reply,
      w.t('invite.otherTitle'),
      html`${notice('bad', w.html('invite.otherAccount', { signedInAs: html`<strong>${signedInAs}</strong>`, invited: html`<strong>${invited}</strong>` }))}
<p>${w.t('invite.logOutThenOpen')}</p>
${buttonForm('/logout', w.t('invite.logOut'), {}, true)}`,
      status,
    );

  // Logging in comes back to the invitation's page (return-to.ts), so the user need not find the email again.
  const loginLink = (token: string) =>
    loginPath(`${config.basePath}/invite?token=${encodeURIComponent(token)}`);
  const logInLink = (w: Words, token: string) =>
    html`<a href="${loginLink(token)}">${w.t('invite.logIn')}</a>`;
  const loginFirst = (w: Words, invited: string, token: string, status: number, reply: FastifyReply) =>
    page(
      reply,
      w.t('invite.loginTitle'),
      html`<p>${w.html('invite.hasAccount', { invited: html`<strong>${invited}</strong>`, logIn: logInLink(w, token) })}</p>`,
      status,
    );

  app.get<{ Querystring: { token?: unknown } }>('/invite', PAGE_ROUTE, async (request, reply) => {
    const w = pageWords(config, request);
    const tokenValue = queryString(request.query.token);
    const result = await inspectInvitation(ctx, tokenValue);
    if (!result.ok) return badLink(w, reply, result.reason);
    const invitation = result.invitation;
    const auth = await authenticate(ctx, request);
    const title = w.t('invite.title');
    if (auth !== null && !isInvitee(auth.user, invitation)) {
      return wrongAccount(w, reply, auth.user.email, invitation.email, 200);
    }
    if (auth !== null) {
      return page(
        reply,
        title,
        html`${summary(w, invitation)}${buttonForm('/invite', w.t('invite.accept'), { token: tokenValue })}`,
      );
    }
    if (invitation.accountExists) {
      return page(
        reply,
        title,
        html`${summary(w, invitation)}
<p>${w.html('invite.addressHasAccount', { logIn: logInLink(w, tokenValue) })}</p>`,
      );
    }
    return page(reply, title, html`${summary(w, invitation)}${acceptForm(w, tokenValue)}`);
  });

  app.post('/invite', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const w = pageWords(config, request);
    const tokenValue = formString(request.body, 'token');
    const password = formString(request.body, 'password');
    const result = await accept(ctx, request, tokenValue, password === '' ? undefined : password);
    if (result.ok) {
      if (result.status === 'account_created') {
        setSessionCookie(reply, config, result.session.token, result.session.session);
      }
      return redirectAfterPost(reply, config, '/account?invited=1');
    }
    switch (result.reason) {
      case 'wrong_account':
        return wrongAccount(w, reply, result.signedInAs, result.invited, 403);
      case 'login_required':
        return loginFirst(w, result.invited, tokenValue, 401, reply);
      case 'account_exists':
        return page(
          reply,
          w.t('invite.loginTitle'),
          html`<p>${w.html('invite.justCreated', { logIn: logInLink(w, tokenValue) })}</p>`,
          409,
        );
      case 'invalid_password': {
        const grouped: FieldErrors = { password: result.errors.map((e) => localReason(w, e.message)) };
        const inspected = await inspectInvitation(ctx, tokenValue);
        const top = inspected.ok ? summary(w, inspected.invitation) : html``;
        return page(reply, w.t('invite.title'), html`${top}${acceptForm(w, tokenValue, grouped)}`, 422);
      }
      default:
        return badLink(w, reply, result.reason);
    }
  });
}

function isInvitee(user: User, invitation: InvitationDetails): boolean {
  return user.email_normalized === normalizeEmail(invitation.email);
}

function invitationWords(w: Words): LinkWords {
  return {
    token_used: w.t('invite.used'),
    token_expired: w.t('invite.expired'),
    token_revoked: w.t('invite.revoked'),
    token_superseded: w.t('invite.superseded'),
    token_invalid: w.t('invite.invalid'),
  };
}
