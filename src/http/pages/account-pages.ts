import type { FastifyInstance } from 'fastify';
import { logOut } from '../../accounts/logout.ts';
import { isoTime, utcMinute } from '../../clock.ts';
import type { Context } from '../../context.ts';
import type { User } from '../../db/schema.ts';
import { html, type SafeHtml } from '../../html.ts';
import { setSubscribed } from '../../newsletter/subscription.ts';
import { assertSameOrigin, authenticate, clearSessionCookie } from '../session-auth.ts';
import { accountDataLinks } from './account-data.ts';
import { securitySections } from './account-security.ts';
import { buttonForm, formString } from './forms.ts';
import { PAGE_ROUTE, redirectAfterPost, seeOther, sendPage } from './layout.ts';

/** The home page, the account page, its newsletter control and the log-out button's target. */
export async function accountPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.get('/', PAGE_ROUTE, async (request, reply) => {
    const auth = await authenticate(ctx, request);
    const body = auth
      ? html`<p>You are logged in as <strong>${auth.user.email}</strong>.</p>
<p><a href="/account">Your account</a></p>`
      : html`<p>Welcome to ${ctx.config.appName}.</p>
<p><a href="/signup">Create an account</a> or <a href="/login">log in</a>.</p>`;
    return sendPage(reply, ctx.config, { title: ctx.config.appName, body });
  });

  app.get('/account', PAGE_ROUTE, async (request, reply) => {
    const auth = await authenticate(ctx, request);
    if (auth === null) return seeOther(reply, `${ctx.config.basePath}/login`);
    const { user, session } = auth;
    const body = html`<dl>
<dt>Email</dt><dd>${user.email}</dd>
<dt>Email verified</dt><dd>${user.email_verified_at === null ? 'No' : 'Yes'}</dd>
<dt>Password</dt><dd>${user.password_hash === null ? html`None: you sign in by email. <a href="/forgot-password">Set a password</a>` : 'Set'}</dd>
<dt>Newsletters</dt><dd>${user.unsubscribed_at === null ? 'Subscribed' : 'Unsubscribed'} ${subscriptionControl(user)}</dd>
<dt>Member since</dt><dd>${isoTime(user.created_at).slice(0, 10)}</dd>
<dt>This session ends</dt><dd>${utcMinute(session.expiresAt)}, or later if you stay active</dd>
</dl>
${buttonForm('/logout', 'Log out')}
${await securitySections(ctx, auth, request.query)}
${accountDataLinks()}`;
    return sendPage(reply, ctx.config, { title: 'Your account', body });
  });

  app.post('/logout', PAGE_ROUTE, async (request, reply) => {
    assertSameOrigin(ctx.config, request);
    const auth = await authenticate(ctx, request);
    if (auth !== null) await logOut(ctx, { sessionId: auth.session.id, userId: auth.user.id }, request.ip);
    clearSessionCookie(reply, ctx.config);
    return redirectAfterPost(reply, ctx.config, '/login?logged_out=1');
  });

  // A logged-in user subscribes or unsubscribes (PUT /v1/me/subscription is the API's way).
  app.post('/account/subscription', PAGE_ROUTE, async (request, reply) => {
    // A form post is always checked for its origin, before anything else is looked at.
    assertSameOrigin(ctx.config, request);
    const auth = await authenticate(ctx, request);
    if (auth === null) return redirectAfterPost(reply, ctx.config, '/login');
    const wanted = formString(request.body, 'subscribed');
    if (wanted === '1' || wanted === '0') await setSubscribed(ctx, auth.user.id, wanted === '1', request.ip);
    return redirectAfterPost(reply, ctx.config, '/account');
  });
}

/** The /account page's control: one button that flips the subscription. */
function subscriptionControl(user: Pick<User, 'unsubscribed_at'>): SafeHtml {
  return user.unsubscribed_at === null
    ? buttonForm('/account/subscription', 'Unsubscribe from newsletters', { subscribed: '0' }, true)
    : buttonForm('/account/subscription', 'Subscribe to newsletters', { subscribed: '1' }, true);
}
