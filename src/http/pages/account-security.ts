import type { FastifyInstance, FastifyReply } from 'fastify';
import { changePassword } from '../../accounts/change-password.ts';
import {
  type DeviceSession,
  listSessions,
  revokeOtherSessions,
  revokeOwnSession,
} from '../../accounts/devices.ts';
import { utcMinute } from '../../clock.ts';
import type { Context } from '../../context.ts';
import type { User } from '../../db/schema.ts';
import { html, type SafeHtml } from '../../html.ts';
import { rateLimited } from '../rate-limit.ts';
import { type Authenticated, assertSameOrigin, authenticate } from '../session-auth.ts';
import { emailMeACode, proofField } from './action-codes.ts';
import { refusedCodeNotice } from './code-forms.ts';
import {
  buttonForm,
  byField,
  cooldownNotice,
  type FieldErrors,
  field,
  formString,
  notice,
  passwordHint,
} from './forms.ts';
import { PAGE_ROUTE, pageSender, redirectAfterPost } from './layout.ts';

/**
 * The security sections of /account: change the password, see the sessions (this device marked),
 * log one out, log out of all other devices. securitySections renders them into the account page
 * (account-pages.ts); the posts land here. A refused post shows its form again on a page of its
 * own, with the reasons; passwords are never echoed back.
 */

const SECTION_NOTICES: Record<string, (value: string) => SafeHtml> = {
  password_changed: () => notice('good', 'Your password was changed. Your other devices were logged out.'),
  session_revoked: () => notice('good', 'That device was logged out.'),
  others_revoked: (n) =>
    notice('good', `Logged out of all other devices (${n === '1' ? '1 session' : `${n} sessions`}).`),
};

export async function securitySections(ctx: Context, auth: Authenticated, query: unknown): Promise<SafeHtml> {
  const params = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const shown = Object.entries(SECTION_NOTICES).flatMap(([key, render]) => {
    const value = params[key];
    return typeof value === 'string' && /^\d{1,6}$/.test(value) ? [render(value)] : [];
  });
  const sessions = await listSessions(ctx, auth.user.id, auth.session.id);
  return html`${shown}
<h2>Password</h2>
${passwordForm(ctx, auth.user)}
${emailMeACode(auth.user, 'change_password', params['code_sent'] === '1')}
<h2>Where you are logged in</h2>
${sessionList(sessions)}
${sessions.length > 1 ? html`${othersForm(auth.user)}${emailMeACode(auth.user, 'revoke_other_sessions', params['code_sent'] === '1')}` : html`<p class="hint">You are logged in on this device only.</p>`}`;
}

function passwordForm(ctx: Context, user: User, errors: FieldErrors = {}): SafeHtml {
  return html`<form method="post" action="/account/password" novalidate>
${proofField(user, field({ name: 'currentPassword', label: 'Current password', type: 'password', autocomplete: 'current-password', errors: errors['currentPassword'] }), errors['code'])}
${field({ name: 'newPassword', label: 'New password', type: 'password', autocomplete: 'new-password', hint: passwordHint(ctx.config), errors: errors['newPassword'] })}
<button type="submit">Change my password</button>
</form>
<p class="hint">Your other devices will be logged out.</p>`;
}

function othersForm(user: User, errors: FieldErrors = {}): SafeHtml {
  return html`<form method="post" action="/account/sessions/revoke-others" novalidate>
${proofField(user, field({ name: 'password', label: 'Your password', type: 'password', autocomplete: 'current-password', hint: 'To log out of every other device.', errors: errors['password'] }), errors['code'])}
<button type="submit" class="secondary">Log out of all other devices</button>
</form>`;
}

function sessionList(sessions: DeviceSession[]): SafeHtml {
  return html`<ul class="sessions">
${sessions.map(
  (s) => html`<li><strong>${s.userAgent}</strong>${s.current ? html` <em>(this device)</em>` : ''}
<span class="hint">${s.ip === null ? '' : html`From ${s.ip}. `}Logged in ${utcMinute(s.createdAt)}, last active ${utcMinute(s.lastSeenAt)}.</span>
${s.current ? '' : buttonForm('/account/sessions/revoke', 'Log out', { id: s.id }, true)}</li>`,
)}
</ul>`;
}

export async function accountSecurityPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = pageSender(config);
  const passwordPage = (reply: FastifyReply, body: SafeHtml, status: number) =>
    page(
      reply,
      'Change your password',
      html`${body}<p><a href="/account">Back to your account</a></p>`,
      status,
    );
  const othersPage = (reply: FastifyReply, body: SafeHtml, status: number) =>
    page(
      reply,
      'Log out of all other devices',
      html`${body}<p><a href="/account">Back to your account</a></p>`,
      status,
    );

  app.post('/account/password', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    // A form post is always checked for its origin, before anything else is looked at.
    assertSameOrigin(config, request);
    const auth = await authenticate(ctx, request);
    if (auth === null) return redirectAfterPost(reply, config, '/login');
    const result = await changePassword(ctx, {
      user: auth.user,
      sessionId: auth.session.id,
      currentPassword: formString(request.body, 'currentPassword'),
      code: formString(request.body, 'code'),
      newPassword: formString(request.body, 'newPassword'),
      ip: request.ip,
    });
    if (result.ok) return redirectAfterPost(reply, config, '/account?password_changed=1');
    switch (result.reason) {
      case 'invalid_input':
        return passwordPage(reply, passwordForm(ctx, auth.user, byField(result.errors)), 422);
      case 'wrong_password':
        return passwordPage(
          reply,
          passwordForm(ctx, auth.user, { currentPassword: ['is not correct'] }),
          401,
        );
      case 'code_invalid':
        return passwordPage(reply, html`${refusedCodeNotice()}${passwordForm(ctx, auth.user)}`, 400);
      case 'cooling_down':
        return passwordPage(reply, cooldownNotice(reply, result), 429);
    }
  });

  app.post('/account/sessions/revoke', PAGE_ROUTE, async (request, reply) => {
    assertSameOrigin(config, request);
    const auth = await authenticate(ctx, request);
    if (auth === null) return redirectAfterPost(reply, config, '/login');
    const id = formString(request.body, 'id');
    // The list only offers the other sessions; this device logs out with the "Log out" button.
    const revoked =
      id !== auth.session.id &&
      (await revokeOwnSession(ctx, { userId: auth.user.id, sessionId: id, ip: request.ip }));
    // Already gone (a second click, another tab): the account page shows the list as it is now.
    return redirectAfterPost(reply, config, revoked ? '/account?session_revoked=1' : '/account');
  });

  app.post(
    '/account/sessions/revoke-others',
    { config: rateLimited(ctx), ...PAGE_ROUTE },
    async (request, reply) => {
      assertSameOrigin(config, request);
      const auth = await authenticate(ctx, request);
      if (auth === null) return redirectAfterPost(reply, config, '/login');
      const result = await revokeOtherSessions(ctx, {
        user: auth.user,
        sessionId: auth.session.id,
        password: formString(request.body, 'password'),
        code: formString(request.body, 'code'),
        ip: request.ip,
      });
      if (result.ok) return redirectAfterPost(reply, config, `/account?others_revoked=${result.revoked}`);
      switch (result.reason) {
        case 'invalid_input':
          return othersPage(
            reply,
            othersForm(auth.user, { password: result.errors.map((e) => e.message) }),
            422,
          );
        case 'wrong_password':
          return othersPage(reply, othersForm(auth.user, { password: ['is not correct'] }), 401);
        case 'code_invalid':
          return othersPage(
            reply,
            html`${refusedCodeNotice()}${othersForm(auth.user)}${emailMeACode(auth.user, 'revoke_other_sessions', false)}`,
            400,
          );
        case 'cooling_down':
          return othersPage(reply, cooldownNotice(reply, result), 429);
      }
    },
  );
}
