import type { FastifyInstance } from 'fastify';
import { logIn } from '../../accounts/login.ts';
import type { Context } from '../../context.ts';
import { html, type SafeHtml } from '../../html.ts';
import type { Words } from '../../i18n/locales.ts';
import { rateLimited } from '../rate-limit.ts';
import { assertSameOrigin, setSessionCookie } from '../session-auth.ts';
import { buttonForm, byField, cooldownNotice, type FieldErrors, field, formString, notice } from './forms.ts';
import { PAGE_ROUTE, pageSender, pageWords, redirectAfterPost, seeOther } from './layout.ts';
import { safeReturnTo } from './return-to.ts';

/** Log in: the form, with the notices the other flows send here (confirmed, reset, logged out). */
export async function logInPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = pageSender(config);

  // returnTo has passed safeReturnTo: the form carries it on, and the POST checks it again.
  const loginForm = (
    w: Words,
    values: { email?: string; returnTo?: string | null } = {},
    errors: FieldErrors = {},
  ) => html`<form method="post" action="/login" novalidate>
${values.returnTo ? html`<input type="hidden" name="return_to" value="${values.returnTo}">` : ''}
${field({ name: 'email', label: w.t('field.email'), type: 'email', value: values.email, autocomplete: 'username', errors: errors['email'] })}
${field({ name: 'password', label: w.t('field.password'), type: 'password', autocomplete: 'current-password', errors: errors['password'] })}
<button type="submit">${w.t('logIn.submit')}</button>
</form>
<p><a href="/forgot-password">${w.t('logIn.forgot')}</a> · <a href="/signup">${w.t('logIn.create')}</a></p>
${config.signIn.email ? signInByEmail(w) : ''}`;

  // Sign-in by email (pages/sign-in-email.ts): the address, and the link or code comes by email.
  const signInByEmail = (w: Words) => html`<section aria-labelledby="sign-in-email-heading">
<h2 id="sign-in-email-heading">${w.t('logIn.noPassword')}</h2>
<form method="post" action="/sign-in/email/request" novalidate>
${field({ name: 'email', id: 'f-sign-in-email', label: w.t('logIn.signInEmail'), type: 'email', autocomplete: 'email' })}
<button type="submit" class="secondary">${w.t('logIn.emailMeLink')}</button>
</form>
</section>`;

  const loginNotices = (w: Words): Record<string, SafeHtml> => ({
    verified: notice('good', w.t('logIn.verified')),
    reset: notice('good', w.t('logIn.reset')),
    logged_out: notice('info', w.t('logIn.loggedOut')),
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/login',
    PAGE_ROUTE,
    async (request, reply) => {
      const w = pageWords(config, request);
      const notices = loginNotices(w);
      const shown = Object.keys(notices).filter((key) => request.query[key] === '1');
      const returnTo = safeReturnTo(config, request.query['return_to']);
      return page(
        reply,
        w.t('logIn.title'),
        html`${shown.map((key) => notices[key])}${loginForm(w, { returnTo })}`,
      );
    },
  );

  app.post('/login', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const w = pageWords(config, request);
    const title = w.t('logIn.title');
    const email = formString(request.body, 'email');
    const returnTo = safeReturnTo(config, formString(request.body, 'return_to'));
    const result = await logIn(ctx, {
      email,
      password: formString(request.body, 'password'),
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
    });
    if (result.ok) {
      setSessionCookie(reply, config, result.created.token, result.created.session);
      return returnTo === null ? redirectAfterPost(reply, config, '/account') : seeOther(reply, returnTo);
    }
    switch (result.reason) {
      case 'invalid_input':
        return page(reply, title, loginForm(w, { email, returnTo }, byField(result.errors, w)), 422);
      case 'invalid_credentials':
        return page(
          reply,
          title,
          html`${notice('bad', w.t('logIn.wrong'))}${loginForm(w, { email, returnTo })}`,
          401,
        );
      case 'email_not_verified':
        return page(
          reply,
          title,
          html`${notice('bad', w.t('logIn.notVerified'))}
${buttonForm('/verify-email/resend', w.t('logIn.sendNewLink'), { email }, true)}`,
          403,
        );
      case 'account_disabled':
        return page(reply, title, html`${notice('bad', w.t('logIn.disabled'))}`, 403);
      case 'cooling_down':
        return page(reply, title, cooldownNotice(reply, result, w), 429);
    }
  });
}
