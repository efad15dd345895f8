import type { FastifyInstance } from 'fastify';
import { logIn } from '../../accounts/login.ts';
import type { Context } from '../../context.ts';
import { html, type SafeHtml } from '../../html.ts';
import { rateLimited } from '../rate-limit.ts';
import { assertSameOrigin, setSessionCookie } from '../session-auth.ts';
import { buttonForm, byField, cooldownNotice, type FieldErrors, field, formString, notice } from './forms.ts';
import { PAGE_ROUTE, pageSender, redirectAfterPost, seeOther } from './layout.ts';
import { safeReturnTo } from './return-to.ts';

/** Log in: the form, with the notices the other flows send here (confirmed, reset, logged out). */
export async function logInPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = pageSender(config);

  // returnTo has passed safeReturnTo: the form carries it on, and the POST checks it again.
  const loginForm = (
    values: { email?: string; returnTo?: string | null } = {},
    errors: FieldErrors = {},
  ) => html`<form method="post" action="/login" novalidate>
${values.returnTo ? html`<input type="hidden" name="return_to" value="${values.returnTo}">` : ''}
${field({ name: 'email', label: 'Email', type: 'email', value: values.email, autocomplete: 'username', errors: errors['email'] })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', errors: errors['password'] })}
<button type="submit">Log in</button>
</form>
<p><a href="/forgot-password">Forgot your password?</a> · <a href="/signup">Create an account</a></p>
${config.signIn.email ? signInByEmail : ''}`;

  // Sign-in by email (pages/sign-in-email.ts): the address, and the link or code comes by email.
  const signInByEmail = html`<section aria-labelledby="sign-in-email-heading">
<h2 id="sign-in-email-heading">No password?</h2>
<form method="post" action="/sign-in/email/request" novalidate>
${field({ name: 'email', id: 'f-sign-in-email', label: 'Email for a sign-in link', type: 'email', autocomplete: 'email' })}
<button type="submit" class="secondary">Email me a sign-in link</button>
</form>
</section>`;

  const LOGIN_NOTICES: Record<string, SafeHtml> = {
    verified: notice('good', 'Your email is confirmed. You can log in now.'),
    reset: notice('good', 'Your password was changed. Log in with the new one.'),
    logged_out: notice('info', 'You are logged out.'),
  };

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/login',
    PAGE_ROUTE,
    async (request, reply) => {
      const shown = Object.keys(LOGIN_NOTICES).filter((key) => request.query[key] === '1');
      const returnTo = safeReturnTo(config, request.query['return_to']);
      return page(reply, 'Log in', html`${shown.map((key) => LOGIN_NOTICES[key])}${loginForm({ returnTo })}`);
    },
  );

  app.post('/login', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
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
        return page(reply, 'Log in', loginForm({ email, returnTo }, byField(result.errors)), 422);
      case 'invalid_credentials':
        return page(
          reply,
          'Log in',
          html`${notice('bad', 'The email or password is not correct.')}${loginForm({ email, returnTo })}`,
          401,
        );
      case 'email_not_verified':
        return page(
          reply,
          'Log in',
          html`${notice('bad', 'Confirm your email address first: follow the link we emailed you.')}
${buttonForm('/verify-email/resend', 'Send me a new link', { email }, true)}`,
          403,
        );
      case 'account_disabled':
        return page(
          reply,
          'Log in',
          html`${notice('bad', 'This account is disabled. Contact support to find out why.')}`,
          403,
        );
      case 'cooling_down':
        return page(reply, 'Log in', cooldownNotice(reply, result), 429);
    }
  });
}
