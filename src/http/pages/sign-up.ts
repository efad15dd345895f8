import type { FastifyInstance } from 'fastify';
import { signUp } from '../../accounts/signup.ts';
import { localeError } from '../../accounts/user-locale.ts';
import { allowsCode } from '../../config/config.ts';
import type { Context } from '../../context.ts';
import { html } from '../../html.ts';
import type { Words } from '../../i18n/locales.ts';
import { signUpLocale } from '../locale.ts';
import { rateLimited } from '../rate-limit.ts';
import { assertSameOrigin } from '../session-auth.ts';
import { byField, type FieldErrors, field, formString, notice, passwordHint } from './forms.ts';
import { PAGE_ROUTE, pageSender, pageWords, redirectAfterPost } from './layout.ts';
import { markAskingBrowser } from './verify-email.ts';

/** Sign up: the form, and the page that says to check the inbox. */
export async function signUpPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = pageSender(config);

  const signupForm = (
    w: Words,
    values: { email?: string } = {},
    errors: FieldErrors = {},
  ) => html`<form method="post" action="/signup" novalidate>
${field({ name: 'email', label: w.t('field.email'), type: 'email', value: values.email, autocomplete: 'email', errors: errors['email'] })}
${field({ name: 'password', label: w.t('field.password'), type: 'password', autocomplete: 'new-password', hint: passwordHint(config, w), errors: errors['password'] })}
<button type="submit">${w.t('signUp.submit')}</button>
</form>
<p>${w.html('signUp.haveAccount', { logIn: html`<a href="/login">${w.t('signUp.logIn')}</a>` })}</p>`;

  app.get<{ Querystring: { sent?: string } }>('/signup', PAGE_ROUTE, async (request, reply) => {
    const w = pageWords(config, request);
    if (request.query.sent === '1') {
      return page(
        reply,
        w.t('signUp.sentTitle'),
        html`${notice('good', w.t('signUp.sent'))}
<p>${w.html('signUp.nothingThere', { askNew: html`<a href="/verify-email">${w.t('signUp.askNew')}</a>` })}</p>
${allowsCode(config.methods.verifyEmail) ? html`<p>${w.html('signUp.holdsCode', { enterCode: html`<a href="/verify-email#code">${w.t('code.enterInstead')}</a>` })}</p>` : ''}`,
      );
    }
    return page(reply, w.t('signUp.title'), signupForm(w));
  });

  app.post('/signup', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const w = pageWords(config, request);
    const email = formString(request.body, 'email');
    // The page's form may carry a language (an operator's template can offer a choice); else the browser's.
    const locale = signUpLocale(config, request, formString(request.body, 'locale'));
    if (locale === undefined)
      return page(reply, w.t('signUp.title'), signupForm(w, { email }, byField([localeError()], w)), 422);
    const result = await signUp(ctx, {
      email,
      password: formString(request.body, 'password'),
      ip: request.ip,
      browser: markAskingBrowser(reply, config),
      locale,
    });
    if (!result.ok)
      return page(reply, w.t('signUp.title'), signupForm(w, { email }, byField(result.errors, w)), 422);
    return redirectAfterPost(reply, config, '/signup?sent=1');
  });
}
