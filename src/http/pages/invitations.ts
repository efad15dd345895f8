import type { FastifyInstance, FastifyReply } from 'fastify';
import { normalizeEmail } from '../../accounts/users.ts';
import { utcMinute } from '../../clock.ts';
import type { Context } from '../../context.ts';
import type { User } from '../../db/schema.ts';
import { html } from '../../html.ts';
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
import { PAGE_ROUTE, pageSender, redirectAfterPost } from './layout.ts';
import { loginPath } from './return-to.ts';

/** Invitations: the page the emailed link opens, and its accept button or account form. */
export async function invitationPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = pageSender(config);

  const badLink = (reply: FastifyReply, reason: ConsumeFailure) =>
    page(
      reply,
      'This invitation cannot be used',
      html`${notice('bad', linkMessage(reason, INVITATION_WORDS))}<p>Ask the person who invited you to send a new invitation.</p>`,
      tokenProblem(reason).status,
    );

  const summary = (invitation: InvitationDetails) =>
    html`<p><strong>${invitation.inviter}</strong> invited <strong>${invitation.email}</strong> to join
<strong>${invitation.scope}</strong> as <strong>${invitation.role}</strong>.</p>
<p class="hint">This invitation can be accepted until ${utcMinute(invitation.expiresAt)}.</p>`;

  const acceptForm = (
    tokenValue: string,
    errors: FieldErrors = {},
  ) => html`<form method="post" action="/invite" novalidate>
<input type="hidden" name="token" value="${tokenValue}">
${field({ name: 'password', label: 'Choose a password', type: 'password', autocomplete: 'new-password', hint: passwordHint(config), errors: errors['password'] })}
<button type="submit">Create my account and accept</button>
</form>`;

  const wrongAccount = (reply: FastifyReply, signedInAs: string, invited: string, status: number) =>
    page(
      reply,
      'This invitation is for someone else',
      html`${notice('bad', html`You are logged in as <strong>${signedInAs}</strong>, but this invitation is for <strong>${invited}</strong>.`)}
<p>Log out, then open the link from the invitation email again.</p>
${buttonForm('/logout', 'Log out', {}, true)}`,
      status,
    );

  // Logging in comes back to the invitation's page (return-to.ts), so the user need not find the email again.
  const loginLink = (token: string) =>
    loginPath(`${config.basePath}/invite?token=${encodeURIComponent(token)}`);
  const loginFirst = (invited: string, token: string, status: number, reply: FastifyReply) =>
    page(
      reply,
      'Log in to accept',
      html`<p><strong>${invited}</strong> already has an account. <a href="${loginLink(token)}">Log in</a> with it,
and you will come back to this invitation.</p>`,
      status,
    );

  app.get<{ Querystring: { token?: unknown } }>('/invite', PAGE_ROUTE, async (request, reply) => {
    const tokenValue = queryString(request.query.token);
    const result = await inspectInvitation(ctx, tokenValue);
    if (!result.ok) return badLink(reply, result.reason);
    const invitation = result.invitation;
    const auth = await authenticate(ctx, request);
    const title = 'You are invited';
    if (auth !== null && !isInvitee(auth.user, invitation)) {
      return wrongAccount(reply, auth.user.email, invitation.email, 200);
    }
    if (auth !== null) {
      return page(
        reply,
        title,
        html`${summary(invitation)}${buttonForm('/invite', 'Accept the invitation', { token: tokenValue })}`,
      );
    }
    if (invitation.accountExists) {
      return page(
        reply,
        title,
        html`${summary(invitation)}
<p>This address already has an account. <a href="${loginLink(tokenValue)}">Log in</a>, and you will come back to this invitation.</p>`,
      );
    }
    return page(reply, title, html`${summary(invitation)}${acceptForm(tokenValue)}`);
  });

  app.post('/invite', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
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
        return wrongAccount(reply, result.signedInAs, result.invited, 403);
      case 'login_required':
        return loginFirst(result.invited, tokenValue, 401, reply);
      case 'account_exists':
        return page(
          reply,
          'Log in to accept',
          html`<p>An account was just created for this address. <a href="${loginLink(tokenValue)}">Log in</a> with it,
and you will come back to this invitation.</p>`,
          409,
        );
      case 'invalid_password': {
        const grouped: FieldErrors = { password: result.errors.map((e) => e.message) };
        const inspected = await inspectInvitation(ctx, tokenValue);
        const top = inspected.ok ? summary(inspected.invitation) : html``;
        return page(reply, 'You are invited', html`${top}${acceptForm(tokenValue, grouped)}`, 422);
      }
      default:
        return badLink(reply, result.reason);
    }
  });
}

function isInvitee(user: User, invitation: InvitationDetails): boolean {
  return user.email_normalized === normalizeEmail(invitation.email);
}

const INVITATION_WORDS: LinkWords = {
  token_used: 'This invitation has already been accepted.',
  token_expired: 'This invitation has expired.',
  token_revoked: 'This invitation was withdrawn, or replaced by a newer one.',
  token_superseded: 'This invitation was replaced by a newer one: use the latest email.',
  token_invalid: 'This invitation link is not valid. Check that you copied all of it.',
};
