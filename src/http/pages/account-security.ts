import type { FastifyInstance, FastifyReply } from 'fastify';
import { changePassword } from '../../accounts/change-password.ts';
import {
  type DeviceSession,
  listSessions,
  revokeOtherSessions,
  revokeOwnSession,
} from '../../accounts/devices.ts';
import type { Context } from '../../context.ts';
import type { User } from '../../db/schema.ts';
import { html, type SafeHtml } from '../../html.ts';
import type { Words } from '../../i18n/locales.ts';
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
import { PAGE_ROUTE, pageSender, pageWords, redirectAfterPost } from './layout.ts';
import { localReason } from './reasons.ts';

/**
 * The security sections of /account: change the password, see the sessions (this device marked),
 * log one out, log out of all other devices. securitySections renders them into the account page
 * (account-pages.ts); the posts land here. A refused post shows its form again on a page of its
 * own, with the reasons; passwords are never echoed back.
 */

const SECTION_NOTICES: Record<string, (w: Words, value: string) => SafeHtml> = {
  password_changed: (w) => notice('good', w.t('security.passwordChanged')),
  session_revoked: (w) => notice('good', w.t('security.sessionRevoked')),
  others_revoked: (w, n) => notice('good', w.t('security.othersRevoked', { count: Number(n) })),
};

export async function securitySections(
  ctx: Context,
  w: Words,
  auth: Authenticated,
  query: unknown,
): Promise<SafeHtml> {
  const params = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const shown = Object.entries(SECTION_NOTICES).flatMap(([key, render]) => {
    const value = params[key];
    return typeof value === 'string' && /^\d{1,6}$/.test(value) ? [render(w, value)] : [];
  });
  const sessions = await listSessions(ctx, auth.user.id, auth.session.id);
  return html`${shown}
<h2>${w.t('security.password')}</h2>
${passwordForm(ctx, w, auth.user)}
${emailMeACode(w, auth.user, 'change_password', params['code_sent'] === '1')}
<h2>${w.t('security.whereLoggedIn')}</h2>
${sessionList(w, sessions)}
${sessions.length > 1 ? html`${othersForm(w, auth.user)}${emailMeACode(w, auth.user, 'revoke_other_sessions', params['code_sent'] === '1')}` : html`<p class="hint">${w.t('security.thisDeviceOnly')}</p>`}`;
}

function passwordForm(ctx: Context, w: Words, user: User, errors: FieldErrors = {}): SafeHtml {
  return html`<form method="post" action="/account/password" novalidate>
${proofField(w, user, field({ name: 'currentPassword', label: w.t('security.currentPassword'), type: 'password', autocomplete: 'current-password', errors: errors['currentPassword'] }), errors['code'])}
${field({ name: 'newPassword', label: w.t('field.newPassword'), type: 'password', autocomplete: 'new-password', hint: passwordHint(ctx.config, w), errors: errors['newPassword'] })}
<button type="submit">${w.t('security.change')}</button>
</form>
<p class="hint">${w.t('security.othersLoggedOut')}</p>`;
}

function othersForm(w: Words, user: User, errors: FieldErrors = {}): SafeHtml {
  return html`<form method="post" action="/account/sessions/revoke-others" novalidate>
${proofField(w, user, field({ name: 'password', label: w.t('security.yourPassword'), type: 'password', autocomplete: 'current-password', hint: w.t('security.othersHint'), errors: errors['password'] }), errors['code'])}
<button type="submit" class="secondary">${w.t('security.logOutOthers')}</button>
</form>`;
}

function sessionList(w: Words, sessions: DeviceSession[]): SafeHtml {
  return html`<ul class="sessions">
${sessions.map(
  (
    s,
  ) => html`<li><strong>${s.userAgent}</strong>${s.current ? html` <em>${w.t('security.thisDevice')}</em>` : ''}
<span class="hint">${s.ip === null ? '' : html`${w.t('security.from', { ip: s.ip })} `}${w.t('security.loggedInAt', { createdAt: w.dateTime(s.createdAt), lastSeenAt: w.dateTime(s.lastSeenAt) })}</span>
${s.current ? '' : buttonForm('/account/sessions/revoke', w.t('security.logOut'), { id: s.id }, true)}</li>`,
)}
</ul>`;
}

export async function accountSecurityPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = pageSender(config);
  const passwordPage = (w: Words, reply: FastifyReply, body: SafeHtml, status: number) =>
    page(
      reply,
      w.t('security.changeTitle'),
      html`${body}<p><a href="/account">${w.t('security.backToAccount')}</a></p>`,
      status,
    );
  const othersPage = (w: Words, reply: FastifyReply, body: SafeHtml, status: number) =>
    page(
      reply,
      w.t('security.logOutOthers'),
      html`${body}<p><a href="/account">${w.t('security.backToAccount')}</a></p>`,
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
    const w = pageWords(config, request);
    switch (result.reason) {
      case 'invalid_input':
        return passwordPage(w, reply, passwordForm(ctx, w, auth.user, byField(result.errors, w)), 422);
      case 'wrong_password':
        return passwordPage(
          w,
          reply,
          passwordForm(ctx, w, auth.user, { currentPassword: [w.t('security.notCorrect')] }),
          401,
        );
      case 'code_invalid':
        return passwordPage(w, reply, html`${refusedCodeNotice(w)}${passwordForm(ctx, w, auth.user)}`, 400);
      case 'cooling_down':
        return passwordPage(w, reply, cooldownNotice(reply, result, w), 429);
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
      const w = pageWords(config, request);
      switch (result.reason) {
        case 'invalid_input':
          return othersPage(
            w,
            reply,
            othersForm(w, auth.user, { password: result.errors.map((e) => localReason(w, e.message)) }),
            422,
          );
        case 'wrong_password':
          return othersPage(
            w,
            reply,
            othersForm(w, auth.user, { password: [w.t('security.notCorrect')] }),
            401,
          );
        case 'code_invalid':
          return othersPage(
            w,
            reply,
            html`${refusedCodeNotice(w)}${othersForm(w, auth.user)}${emailMeACode(w, auth.user, 'revoke_other_sessions', false)}`,
            400,
          );
        case 'cooling_down':
          return othersPage(w, reply, cooldownNotice(reply, result, w), 429);
      }
    },
  );
}
