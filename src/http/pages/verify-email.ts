import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resendVerification } from '../../accounts/resend-verification.ts';
import { verifyEmailByCode } from '../../accounts/verify-by-code.ts';
import { inspectLanding, newBrowserNonce, verifyFromLanding } from '../../accounts/verify-in-browser.ts';
import { allowsCode, type Config } from '../../config/config.ts';
import type { Context } from '../../context.ts';
import { html } from '../../html.ts';
import type { Words } from '../../i18n/locales.ts';
import type { ConsumeFailure } from '../../tokens/tokens.ts';
import { tokenProblem } from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import { assertSameOrigin, cookieAttributes } from '../session-auth.ts';
import { codeForm, refusedCodeNotice } from './code-forms.ts';
import {
  accountLinkWords,
  buttonForm,
  byField,
  cooldownNotice,
  type FieldErrors,
  field,
  formString,
  linkMessage,
  notice,
  queryString,
} from './forms.ts';
import { PAGE_ROUTE, pageSender, pageWords, redirectAfterPost } from './layout.ts';

/** Verify email: the page the verification link opens, its confirmation, and asking for a new link. */
export async function verifyEmailPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = pageSender(config);
  const verifyCookie = verifyCookieName(config);

  const resendForm = (
    w: Words,
    values: { email?: string } = {},
    errors: FieldErrors = {},
  ) => html`<form method="post" action="/verify-email/resend" novalidate>
${field({ name: 'email', label: w.t('field.email'), type: 'email', value: values.email, autocomplete: 'email', errors: errors['email'] })}
<button type="submit">${w.t('verify.sendNewLink')}</button>
</form>`;

  const acceptsCode = allowsCode(config.methods.verifyEmail);
  const codeEntry = (w: Words, values: { email?: string } = {}, message?: ReturnType<typeof notice>) =>
    acceptsCode
      ? codeForm(w, {
          action: '/verify-email/code',
          button: w.t('verify.confirm'),
          values,
          ...(message ? { message } : {}),
        })
      : html``;

  const confirmForm = (w: Words, token: string, needsPassword: boolean, errors: FieldErrors = {}) =>
    needsPassword
      ? html`<p>${w.t('verify.otherBrowser')}</p>
<form method="post" action="/verify-email" novalidate>
<input type="hidden" name="token" value="${token}">
${field({ name: 'password', label: w.t('field.password'), type: 'password', autocomplete: 'current-password', errors: errors['password'] })}
<button type="submit">${w.t('verify.confirm')}</button>
</form>`
      : html`<p>${w.t('verify.oneMoreStep')}</p>
${buttonForm('/verify-email', w.t('verify.confirm'), { token })}`;

  const verificationLanding = async (request: FastifyRequest, reply: FastifyReply, token: string) => {
    const w = pageWords(config, request);
    const landing = await inspectLanding(ctx, token, request.cookies[verifyCookie]);
    if (landing.state === 'active') {
      return page(reply, w.t('verify.confirmTitle'), confirmForm(w, token, landing.needsPassword));
    }
    if (landing.state === 'already_verified') {
      return page(
        reply,
        w.t('verify.alreadyTitle'),
        html`${notice('good', w.t('verify.already'))}
<p><a href="/login">${w.t('verify.logIn')}</a></p>`,
      );
    }
    return badVerificationLink(w, reply, landing.state);
  };

  const badVerificationLink = (w: Words, reply: FastifyReply, reason: ConsumeFailure) =>
    page(
      reply,
      w.t('link.cannotUse'),
      html`${notice('bad', linkMessage(reason, accountLinkWords(w)))}
<p>${w.t('verify.enterEmail')}</p>
${resendForm(w)}
${codeEntry(w)}`,
      tokenProblem(reason).status,
    );

  app.get<{ Querystring: { token?: unknown; resent?: string } }>(
    '/verify-email',
    PAGE_ROUTE,
    async (request, reply) => {
      if (request.query.token === undefined) {
        const w = pageWords(config, request);
        if (request.query.resent === '1') {
          return page(
            reply,
            w.t('verify.checkTitle'),
            html`${notice('good', w.t('verify.resent'))}
${codeEntry(w)}`,
          );
        }
        return page(reply, w.t('verify.newLinkTitle'), html`${codeEntry(w)}${resendForm(w)}`);
      }
      return verificationLanding(request, reply, queryString(request.query.token));
    },
  );

  // The link shape of the original design: the same landing page, whose button posts to /verify-email.
  app.get<{ Querystring: { vt?: unknown } }>('/v1/users/verify', PAGE_ROUTE, async (request, reply) =>
    verificationLanding(request, reply, queryString(request.query.vt)),
  );

  // Rate-limited per IP like the login form: it may check a password.
  app.post('/verify-email', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const w = pageWords(config, request);
    const token = formString(request.body, 'token');
    const result = await verifyFromLanding(ctx, {
      token,
      nonce: request.cookies[verifyCookie],
      password: formString(request.body, 'password'),
      ip: request.ip,
    });
    if (result.ok) return redirectAfterPost(reply, config, '/login?verified=1');
    switch (result.reason) {
      case 'password_required':
        return page(
          reply,
          w.t('verify.confirmTitle'),
          confirmForm(w, token, true, { password: [w.t('verify.isRequired')] }),
          422,
        );
      case 'wrong_password':
        return page(
          reply,
          w.t('verify.confirmTitle'),
          html`${notice('bad', w.t('verify.wrongPassword'))}${confirmForm(w, token, true)}`,
          401,
        );
      case 'cooling_down':
        return page(reply, w.t('verify.confirmTitle'), cooldownNotice(reply, result, w), 429);
      default:
        return badVerificationLink(w, reply, result.reason);
    }
  });

  // The code from the verification email, typed with its address (verify-by-code.ts).
  app.post('/verify-email/code', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const w = pageWords(config, request);
    const email = formString(request.body, 'email');
    const result = await verifyEmailByCode(ctx, {
      email,
      code: formString(request.body, 'code'),
      ip: request.ip,
    });
    if (result.ok) return redirectAfterPost(reply, config, '/login?verified=1');
    if (result.reason === 'codes_not_accepted')
      return page(reply, w.t('code.notUsedTitle'), notice('bad', w.t('code.followLink')), 400);
    return page(reply, w.t('verify.confirmTitle'), codeEntry(w, { email }, refusedCodeNotice(w)), 400);
  });

  app.post('/verify-email/resend', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const w = pageWords(config, request);
    const email = formString(request.body, 'email');
    const result = await resendVerification(ctx, {
      email,
      ip: request.ip,
      browser: markAskingBrowser(reply, config),
    });
    if (!result.ok)
      return page(
        reply,
        w.t('verify.newLinkTitle'),
        resendForm(w, { email }, byField(result.errors, w)),
        422,
      );
    return redirectAfterPost(reply, config, '/verify-email?resent=1');
  });
}

/**
 * The browser that asks for a verification link gets a nonce, whose fingerprint the link's token
 * keeps: there one click confirms; anywhere else the password is asked too (verify-in-browser.ts).
 * Set on every sign-up and resend post, whatever the address, so the answers stay alike.
 */
export function markAskingBrowser(reply: FastifyReply, config: Config): string {
  const { nonce, fingerprint } = newBrowserNonce();
  reply.setCookie(verifyCookieName(config), nonce, {
    ...cookieAttributes(config),
    maxAge: config.tokenTtl.verify_email,
  });
  return fingerprint;
}

/** The cookie of the browser that asked for a verification link (see markAskingBrowser). */
export function verifyCookieName(config: Config): string {
  return config.publicUrl.startsWith('https:') ? '__Host-oto-verify' : 'oto_verify';
}
