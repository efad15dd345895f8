import type { FastifyInstance } from 'fastify';
import { logOut } from '../../accounts/logout.ts';
import { isoTime, utcMinute } from '../../clock.ts';
import type { Context } from '../../context.ts';
import { html } from '../../html.ts';
import { subscriptionControl } from '../routes/subscription.ts';
import { assertSameOrigin, authenticate, clearSessionCookie } from '../session-auth.ts';
import { buttonForm } from './forms.ts';
import { redirectAfterPost, sendPage, stylesheetRoute } from './layout.ts';

/** The home page, the account page and the log-out button's target. */
export async function accountPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  await app.register(stylesheetRoute);

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const auth = await authenticate(ctx, request);
    const body = auth
      ? html`<p>You are logged in as <strong>${auth.user.email}</strong>.</p>
<p><a href="/account">Your account</a></p>`
      : html`<p>Welcome to ${ctx.config.appName}.</p>
<p><a href="/signup">Create an account</a> or <a href="/login">log in</a>.</p>`;
    return sendPage(reply, ctx.config, { title: ctx.config.appName, body });
  });

  app.get('/account', { schema: { hide: true } }, async (request, reply) => {
    const auth = await authenticate(ctx, request);
    if (auth === null) return reply.header('cache-control', 'no-store').redirect('/login', 303);
    const { user, session } = auth;
    const body = html`<dl>
<dt>Email</dt><dd>${user.email}</dd>
<dt>Email verified</dt><dd>${user.email_verified_at === null ? 'No' : 'Yes'}</dd>
<dt>Newsletters</dt><dd>${user.unsubscribed_at === null ? 'Subscribed' : 'Unsubscribed'} ${subscriptionControl(user)}</dd>
<dt>Member since</dt><dd>${isoTime(user.created_at).slice(0, 10)}</dd>
<dt>This session ends</dt><dd>${utcMinute(session.expiresAt)}, or later if you stay active</dd>
</dl>
${buttonForm('/logout', 'Log out')}`;
    return sendPage(reply, ctx.config, { title: 'Your account', body });
  });

  app.post('/logout', { schema: { hide: true } }, async (request, reply) => {
    assertSameOrigin(ctx.config, request);
    const auth = await authenticate(ctx, request);
    if (auth !== null) await logOut(ctx, { sessionId: auth.session.id, userId: auth.user.id }, request.ip);
    clearSessionCookie(reply, ctx.config);
    return redirectAfterPost(reply, '/login?logged_out=1');
  });
}
