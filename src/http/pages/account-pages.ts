import type { FastifyInstance } from 'fastify';
import { logOut } from '../../accounts/logout.ts';
import { setUserLocale } from '../../accounts/user-locale.ts';
import type { Context } from '../../context.ts';
import type { User } from '../../db/schema.ts';
import { html, type SafeHtml } from '../../html.ts';
import { LOCALES, supportedLocale, type Words } from '../../i18n/locales.ts';
import { setSubscribed } from '../../newsletter/subscription.ts';
import { assertSameOrigin, authenticate, clearSessionCookie } from '../session-auth.ts';
import { accountDataLinks } from './account-data.ts';
import { securitySections } from './account-security.ts';
import { buttonForm, formString } from './forms.ts';
import { PAGE_ROUTE, pageWords, redirectAfterPost, seeOther, sendPage } from './layout.ts';

/** Each language by its own name, for the account page's choice. */
const LANGUAGE_NAMES: Readonly<Record<(typeof LOCALES)[number], string>> = { en: 'English', de: 'Deutsch' };

/** The home page, the account page, its newsletter and language controls and the log-out button's target. */
export async function accountPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.get('/', PAGE_ROUTE, async (request, reply) => {
    const auth = await authenticate(ctx, request);
    const w = pageWords(ctx.config, request);
    const body = auth
      ? html`<p>${w.html('home.signedIn', { email: html`<strong>${auth.user.email}</strong>` })}</p>
<p><a href="/account">${w.t('home.yourAccount')}</a></p>`
      : html`<p>${w.t('home.welcome', { appName: ctx.config.appName })}</p>
<p>${w.html('home.createOrLogIn', {
          signUp: html`<a href="/signup">${w.t('home.createAccount')}</a>`,
          logIn: html`<a href="/login">${w.t('home.logIn')}</a>`,
        })}</p>`;
    return sendPage(reply, ctx.config, { title: ctx.config.appName, body });
  });

  app.get('/account', PAGE_ROUTE, async (request, reply) => {
    const auth = await authenticate(ctx, request);
    if (auth === null) return seeOther(reply, `${ctx.config.basePath}/login`);
    const { user, session } = auth;
    const w = pageWords(ctx.config, request);
    const body = html`<dl>
<dt>${w.t('account.email')}</dt><dd>${user.email}</dd>
<dt>${w.t('account.verified')}</dt><dd>${w.t(user.email_verified_at === null ? 'account.no' : 'account.yes')}</dd>
<dt>${w.t('account.password')}</dt><dd>${user.password_hash === null ? w.html('account.noPassword', { setOne: html`<a href="/forgot-password">${w.t('account.setPassword')}</a>` }) : w.t('account.passwordSet')}</dd>
<dt>${w.t('account.newsletters')}</dt><dd>${w.t(user.unsubscribed_at === null ? 'account.subscribed' : 'account.unsubscribed')} ${subscriptionControl(w, user)}</dd>
<dt>${w.t('account.memberSince')}</dt><dd>${w.date(user.created_at)}</dd>
<dt>${w.t('account.sessionEnds')}</dt><dd>${w.t('account.sessionEndsAt', { at: w.dateTime(session.expiresAt) })}</dd>
</dl>
${localeControl(w)}
${buttonForm('/logout', w.t('account.logOut'))}
${await securitySections(ctx, w, auth, request.query)}
${accountDataLinks(w)}`;
    return sendPage(reply, ctx.config, { title: w.t('account.title'), body });
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

  // A logged-in user picks a language (PATCH /v1/me {locale} is the API's way).
  app.post('/account/locale', PAGE_ROUTE, async (request, reply) => {
    assertSameOrigin(ctx.config, request);
    const auth = await authenticate(ctx, request);
    if (auth === null) return redirectAfterPost(reply, ctx.config, '/login');
    const locale = supportedLocale(formString(request.body, 'locale'));
    if (locale !== undefined) await setUserLocale(ctx, auth.user.id, locale);
    return redirectAfterPost(reply, ctx.config, '/account');
  });
}

/** The /account page's control: one button that flips the subscription. */
function subscriptionControl(w: Words, user: Pick<User, 'unsubscribed_at'>): SafeHtml {
  return user.unsubscribed_at === null
    ? buttonForm('/account/subscription', w.t('account.unsubscribe'), { subscribed: '0' }, true)
    : buttonForm('/account/subscription', w.t('account.subscribe'), { subscribed: '1' }, true);
}

/** The language the pages and emails speak: a choice of those oto has, the current one selected. */
function localeControl(w: Words): SafeHtml {
  return html`<form method="post" action="/account/locale">
<label for="f-locale">${w.t('account.language')}</label>
<select id="f-locale" name="locale">${LOCALES.map((l) => html`<option value="${l}"${l === w.locale ? html` selected` : ''}>${LANGUAGE_NAMES[l]}</option>`)}</select>
<button type="submit" class="secondary">${w.t('account.saveLanguage')}</button>
</form>`;
}
