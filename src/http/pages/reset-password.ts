import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  inspectResetLink,
  requestPasswordReset,
  requestResetForLink,
  resetLinkSupersededAt,
  resetPassword,
} from '../../accounts/password-reset.ts';
import { resetPasswordByCode } from '../../accounts/reset-by-code.ts';
import { allowsCode } from '../../config/config.ts';
import type { Context } from '../../context.ts';
import { html } from '../../html.ts';
import type { Words } from '../../i18n/locales.ts';
import type { ConsumeFailure } from '../../tokens/tokens.ts';
import { tokenProblem } from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import { assertSameOrigin } from '../session-auth.ts';
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
  passwordHint,
  queryString,
} from './forms.ts';
import { PAGE_ROUTE, pageSender, pageWords, redirectAfterPost } from './layout.ts';

/** Forgot password: the form that emails a reset link, and the page the link opens. */
export async function resetPasswordPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = pageSender(config);

  // ---- Forgot password ----
  const forgotForm = (
    w: Words,
    values: { email?: string } = {},
    errors: FieldErrors = {},
  ) => html`<p>${w.t('reset.forgotLead')}</p>
<form method="post" action="/forgot-password" novalidate>
${field({ name: 'email', label: w.t('field.email'), type: 'email', value: values.email, autocomplete: 'email', errors: errors['email'] })}
<button type="submit">${w.t('reset.sendLink')}</button>
</form>`;

  app.get<{ Querystring: { sent?: string } }>('/forgot-password', PAGE_ROUTE, async (request, reply) => {
    const w = pageWords(config, request);
    if (request.query.sent === '1') {
      return page(
        reply,
        w.t('reset.checkTitle'),
        html`${notice('good', w.t('reset.sent'))}
<p>${w.t('reset.expiresIn', { validFor: w.duration(config.tokenTtl.password_reset) })}</p>
${codeEntry(w)}`,
      );
    }
    return page(reply, w.t('reset.forgotTitle'), forgotForm(w));
  });

  app.post('/forgot-password', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const w = pageWords(config, request);
    const email = formString(request.body, 'email');
    const result = await requestPasswordReset(ctx, { email, ip: request.ip });
    if (!result.ok)
      return page(reply, w.t('reset.forgotTitle'), forgotForm(w, { email }, byField(result.errors, w)), 422);
    return redirectAfterPost(reply, config, '/forgot-password?sent=1');
  });

  // ---- Reset code (RESET_PASSWORD_METHOD code or both) ----
  const acceptsCode = allowsCode(config.methods.resetPassword);
  const codeEntry = (
    w: Words,
    values: { email?: string } = {},
    errors: FieldErrors = {},
    message?: ReturnType<typeof notice>,
  ) =>
    acceptsCode
      ? codeForm(w, {
          action: '/reset-password/code',
          button: w.t('reset.change'),
          values,
          errors,
          extra: field({
            name: 'password',
            label: w.t('field.newPassword'),
            type: 'password',
            autocomplete: 'new-password',
            hint: passwordHint(config, w),
            errors: errors['password'],
          }),
          ...(message ? { message } : {}),
        })
      : html``;

  app.post('/reset-password/code', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const w = pageWords(config, request);
    const email = formString(request.body, 'email');
    const result = await resetPasswordByCode(ctx, {
      email,
      code: formString(request.body, 'code'),
      password: formString(request.body, 'password'),
      ip: request.ip,
    });
    if (result.ok) return redirectAfterPost(reply, config, '/login?reset=1');
    if (result.reason === 'invalid_password')
      return page(reply, w.t('reset.chooseTitle'), codeEntry(w, { email }, byField(result.errors, w)), 422);
    if (result.reason === 'codes_not_accepted')
      return page(reply, w.t('code.notUsedTitle'), notice('bad', w.t('code.followLink')), 400);
    return page(reply, w.t('reset.chooseTitle'), codeEntry(w, { email }, {}, refusedCodeNotice(w)), 400);
  });

  // ---- Reset link ----
  const resetForm = (
    w: Words,
    token: string,
    errors: FieldErrors = {},
  ) => html`<form method="post" action="/reset-password" novalidate>
<input type="hidden" name="token" value="${token}">
${field({ name: 'password', label: w.t('field.newPassword'), type: 'password', autocomplete: 'new-password', hint: passwordHint(config, w), errors: errors['password'] })}
<button type="submit">${w.t('reset.change')}</button>
</form>`;

  /**
   * A link that a newer request replaced: not the page of an expired or used link. It says when the
   * newer one was sent, and offers one more (requestResetForLink), for the person who cannot find it.
   */
  const supersededLink = (w: Words, reply: FastifyReply, token: string, newerAt: number) =>
    page(
      reply,
      w.t('reset.newerTitle'),
      html`${notice('bad', w.t('reset.newerAt', { at: w.time(newerAt) }))}
<p>${w.t('reset.onlyNewest')}</p>
${buttonForm('/reset-password/resend', w.t('reset.sendAnother'), { token })}
${codeEntry(w)}`,
      410,
    );

  const badResetLink = async (w: Words, reply: FastifyReply, reason: ConsumeFailure, token: string) => {
    const newerAt =
      reason === 'superseded' || reason === 'revoked' ? await resetLinkSupersededAt(ctx, token) : null;
    if (newerAt !== null) return supersededLink(w, reply, token, newerAt);
    return badLinkPage(w, reply, reason);
  };

  const badLinkPage = (w: Words, reply: FastifyReply, reason: ConsumeFailure) =>
    page(
      reply,
      w.t('link.cannotUse'),
      html`${notice('bad', linkMessage(reason, accountLinkWords(w)))}
<p><a href="/forgot-password">${w.t('reset.askNew')}</a>.</p>
${codeEntry(w)}`,
      tokenProblem(reason).status,
    );

  app.get<{ Querystring: { token?: unknown } }>('/reset-password', PAGE_ROUTE, async (request, reply) => {
    const w = pageWords(config, request);
    const token = queryString(request.query.token);
    // Without a link, the page where a code from the email is typed.
    if (token === '' && acceptsCode) return page(reply, w.t('reset.chooseTitle'), codeEntry(w));
    const state = await inspectResetLink(ctx, token);
    if (state !== 'active') return badResetLink(w, reply, state, token);
    return page(reply, w.t('reset.chooseTitle'), resetForm(w, token));
  });

  app.post('/reset-password', PAGE_ROUTE, async (request, reply) => {
    assertSameOrigin(config, request);
    const w = pageWords(config, request);
    const token = formString(request.body, 'token');
    const result = await resetPassword(ctx, {
      token,
      password: formString(request.body, 'password'),
      ip: request.ip,
    });
    if (result.ok) return redirectAfterPost(reply, config, '/login?reset=1');
    if (result.reason === 'invalid_password') {
      return page(reply, w.t('reset.chooseTitle'), resetForm(w, token, byField(result.errors, w)), 422);
    }
    return badResetLink(w, reply, result.reason, token);
  });

  app.post('/reset-password/resend', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    await requestResetForLink(ctx, formString(request.body, 'token'), request.ip);
    return redirectAfterPost(reply, config, '/forgot-password?sent=1');
  });
}
