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
import type { ConsumeFailure } from '../../tokens/tokens.ts';
import { notEnabledProblem, signInProblem } from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import { assertSameOrigin, setSessionCookie } from '../session-auth.ts';
import { clearSignInBrowser, markSignInBrowser, signInNonce } from '../sign-in-browser.ts';
import { codeForm, refusedCodeNotice } from './code-forms.ts';
import {
  buttonForm,
  byField,
  clockTime,
  type FieldErrors,
  field,
  formString,
  linkMessage,
  linkWords,
  notice,
  queryString,
} from './forms.ts';
import { PAGE_ROUTE, pageSender, redirectAfterPost } from './layout.ts';

const SIGN_IN_LINK_WORDS = linkWords('you signed in with another link or code since');

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

  const requestForm = (values: { email?: string } = {}, errors: FieldErrors = {}) =>
    html`<form method="post" action="/sign-in/email/request" novalidate>
${field({ name: 'email', label: 'Email', type: 'email', value: values.email, autocomplete: 'email', errors: errors['email'] })}
<button type="submit">Email me a sign-in link</button>
</form>`;

  const codeEntry = (values: { email?: string } = {}, message?: SafeHtml) =>
    acceptsCode
      ? codeForm({
          action: '/sign-in/email/code',
          button: 'Sign in',
          values,
          ...(message ? { message } : {}),
        })
      : html``;

  const checkInbox = (reply: FastifyReply) =>
    page(
      reply,
      'Check your inbox',
      html`${notice('good', 'If this address can sign in, an email with a sign-in link is on its way. Open it in this browser.')}
${codeEntry()}`,
    );
  const elsewhere = (reply: FastifyReply, token: string, requestedAt: number, status = 200) => {
    const at = clockTime(requestedAt);
    return page(
      reply,
      'Sign in on this device?',
      html`${notice('info', `This sign-in was requested in another browser, at ${at}.`)}
<p>If you asked for it on another device, open the link there, or type the code from the email in the browser that asked.</p>
${acceptsCode ? html`<p>Typing the code is safest: a link someone else requested would sign you in to their account.</p>` : ''}
${buttonForm('/sign-in/email', `Yes, sign me in here, I requested this at ${at}`, { token, confirm: 'true' })}`,
      status,
    );
  };

  const badLink = (reply: FastifyReply, reason: ConsumeFailure) =>
    page(
      reply,
      'This link cannot be used',
      html`${notice('bad', linkMessage(reason, SIGN_IN_LINK_WORDS))}
<p>Ask for a new one:</p>
${requestForm()}`,
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
      if (request.query.token === undefined) {
        if (request.query.sent === '1') return checkInbox(reply);
        return page(reply, 'Sign in by email', requestForm());
      }
      const token = queryString(request.query.token);
      const state = await inspectSignInLink(ctx, token, signInNonce(request, config));
      if (state.state === 'not_enabled') throw notEnabledProblem();
      if (state.state !== 'active') return badLink(reply, state.state);
      if (!state.sameBrowser) return elsewhere(reply, token, state.requestedAt);
      return page(
        reply,
        'Sign in',
        html`<p>Press the button to sign in.</p>
${buttonForm('/sign-in/email', 'Sign in', { token })}`,
      );
    },
  );

  app.post('/sign-in/email', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
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
        return elsewhere(reply, token, result.requestedAt, 409);
      case 'not_enabled':
      case 'account_disabled':
        throw signInProblem(result);
      default:
        return badLink(reply, result.reason);
    }
  });

  app.post('/sign-in/email/request', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const email = formString(request.body, 'email');
    const result = await requestSignInEmail(ctx, {
      email,
      ip: request.ip,
      browser: markSignInBrowser(reply, config),
    });
    if (!result.ok) {
      if (result.reason === 'not_enabled') throw notEnabledProblem();
      return page(reply, 'Sign in by email', requestForm({ email }, byField(result.errors)), 422);
    }
    return redirectAfterPost(reply, config, '/sign-in/email?sent=1');
  });

  app.post('/sign-in/email/code', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const email = formString(request.body, 'email');
    const result = await signInWithCode(ctx, {
      email,
      code: formString(request.body, 'code'),
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
    });
    if (result.ok) return signedIn(reply, result);
    if (result.reason !== 'code_invalid') throw signInProblem(result);
    return page(reply, 'Check your inbox', codeEntry({ email }, refusedCodeNotice()), 400);
  });
}
