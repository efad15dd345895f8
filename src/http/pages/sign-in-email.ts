import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  inspectSignInLink,
  type SignedIn,
  signInWithCode,
  signInWithLink,
} from '../../accounts/sign-in-confirm.ts';
import { requestSignInEmail } from '../../accounts/sign-in-email.ts';
import { allowsCode } from '../../config/config.ts';
import type { Context } from '../../context.ts';
import { html, type SafeHtml } from '../../html.ts';
import type { Words } from '../../i18n/locales.ts';
import type { ConsumeFailure } from '../../tokens/tokens.ts';
import { notEnabledProblem, signInProblem } from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import { assertSameOrigin, setSessionCookie } from '../session-auth.ts';
import { clearSignInBrowser, markSignInBrowser, signInNonce } from '../sign-in-browser.ts';
import { codeForm, refusedCodeNotice } from './code-forms.ts';
import {
  accountLinkWords,
  buttonForm,
  byField,
  type FieldErrors,
  field,
  formString,
  linkMessage,
  notice,
  queryString,
} from './forms.ts';
import { PAGE_ROUTE, pageSender, pageWords, redirectAfterPost } from './layout.ts';

/**
 * Sign-in by email (SIGN_IN_EMAIL): the request form, "check your inbox" with the code field, and
 * the page the link opens. That page's GET shows one button and spends nothing; in a browser other
 * than the one that asked it says so, with the time of the request, and offers the code (to type
 * in the browser that asked) or an explicit "yes, sign me in here" (sign-in-confirm.ts).
 */
export async function signInEmailPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = pageSender(config);
  const acceptsCode = allowsCode(config.methods.signInEmail);

  app.addHook('onRequest', async () => {
    if (!config.signIn.email) throw notEnabledProblem();
  });

  const requestForm = (w: Words, values: { email?: string } = {}, errors: FieldErrors = {}) =>
    html`<form method="post" action="/sign-in/email/request" novalidate>
${field({ name: 'email', label: w.t('field.email'), type: 'email', value: values.email, autocomplete: 'email', errors: errors['email'] })}
<button type="submit">${w.t('logIn.emailMeLink')}</button>
</form>`;

  const codeEntry = (w: Words, values: { email?: string } = {}, message?: SafeHtml) =>
    acceptsCode
      ? codeForm(w, {
          action: '/sign-in/email/code',
          button: w.t('signIn.button'),
          values,
          ...(message ? { message } : {}),
        })
      : html``;

  const checkInbox = (w: Words, reply: FastifyReply) =>
    page(
      reply,
      w.t('signIn.checkTitle'),
      html`${notice('good', w.t('signIn.sent'))}
${codeEntry(w)}`,
    );
  const elsewhere = (w: Words, reply: FastifyReply, token: string, requestedAt: number, status = 200) => {
    const at = w.time(requestedAt);
    return page(
      reply,
      w.t('signIn.elsewhereTitle'),
      html`${notice('info', w.t('signIn.elsewhere', { at }))}
<p>${w.t('signIn.otherDevice')}</p>
${acceptsCode ? html`<p>${w.t('signIn.codeSafest')}</p>` : ''}
${buttonForm('/sign-in/email', w.t('signIn.yesHere', { at }), { token, confirm: 'true' })}`,
      status,
    );
  };

  const badLink = (w: Words, reply: FastifyReply, reason: ConsumeFailure) =>
    page(
      reply,
      w.t('link.cannotUse'),
      html`${notice('bad', linkMessage(reason, { ...accountLinkWords(w), token_revoked: w.t('signIn.revoked') }))}
<p>${w.t('signIn.askNew')}</p>
${requestForm(w)}`,
      signInProblem({ ok: false, reason }).status,
    );

  const signedIn = (reply: FastifyReply, result: SignedIn) => {
    setSessionCookie(reply, config, result.created.token, result.created.session);
    clearSignInBrowser(reply, config);
    return redirectAfterPost(reply, config, '/account');
  };

  app.get<{ Querystring: { token?: unknown; sent?: string } }>(
    '/sign-in/email',
    PAGE_ROUTE,
    async (request, reply) => {
      const w = pageWords(config, request);
      if (request.query.token === undefined) {
        if (request.query.sent === '1') return checkInbox(w, reply);
        return page(reply, w.t('signIn.byEmailTitle'), requestForm(w));
      }
      const token = queryString(request.query.token);
      const state = await inspectSignInLink(ctx, token, signInNonce(request, config));
      if (state.state === 'not_enabled') throw notEnabledProblem();
      if (state.state !== 'active') return badLink(w, reply, state.state);
      if (!state.sameBrowser) return elsewhere(w, reply, token, state.requestedAt);
      return page(
        reply,
        w.t('signIn.button'),
        html`<p>${w.t('signIn.pressButton')}</p>
${buttonForm('/sign-in/email', w.t('signIn.button'), { token })}`,
      );
    },
  );

  app.post('/sign-in/email', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const w = pageWords(config, request);
    const token = formString(request.body, 'token');
    const result = await signInWithLink(ctx, {
      token,
      nonce: signInNonce(request, config),
      confirm: formString(request.body, 'confirm') === 'true',
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
    });
    if (result.ok) return signedIn(reply, result);
    switch (result.reason) {
      case 'confirmation_required':
        return elsewhere(w, reply, token, result.requestedAt, 409);
      case 'not_enabled':
      case 'account_disabled':
        throw signInProblem(result);
      default:
        return badLink(w, reply, result.reason);
    }
  });

  app.post('/sign-in/email/request', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const w = pageWords(config, request);
    const email = formString(request.body, 'email');
    const result = await requestSignInEmail(ctx, {
      email,
      ip: request.ip,
      browser: markSignInBrowser(reply, config),
    });
    if (!result.ok) {
      if (result.reason === 'not_enabled') throw notEnabledProblem();
      return page(
        reply,
        w.t('signIn.byEmailTitle'),
        requestForm(w, { email }, byField(result.errors, w)),
        422,
      );
    }
    return redirectAfterPost(reply, config, '/sign-in/email?sent=1');
  });

  app.post('/sign-in/email/code', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const w = pageWords(config, request);
    const email = formString(request.body, 'email');
    const result = await signInWithCode(ctx, {
      email,
      code: formString(request.body, 'code'),
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
    });
    if (result.ok) return signedIn(reply, result);
    if (result.reason !== 'code_invalid') throw signInProblem(result);
    return page(reply, w.t('signIn.checkTitle'), codeEntry(w, { email }, refusedCodeNotice(w)), 400);
  });
}
