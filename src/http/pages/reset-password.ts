import type { FastifyInstance, FastifyReply } from 'fastify';
import { humanDuration } from '../../accounts/input.ts';
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
import type { ConsumeFailure } from '../../tokens/tokens.ts';
import { tokenProblem } from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import { assertSameOrigin } from '../session-auth.ts';
import { codeForm, refusedCodeNotice } from './code-forms.ts';
import {
  ACCOUNT_LINK_WORDS,
  buttonForm,
  byField,
  clockTime,
  type FieldErrors,
  field,
  formString,
  linkMessage,
  notice,
  passwordHint,
  queryString,
} from './forms.ts';
import { PAGE_ROUTE, pageSender, redirectAfterPost } from './layout.ts';

/** Forgot password: the form that emails a reset link, and the page the link opens. */
export async function resetPasswordPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = pageSender(config);

  // ---- Forgot password ----
  const forgotForm = (
    values: { email?: string } = {},
    errors: FieldErrors = {},
  ) => html`<p>Enter the email of your account and we will send you a link to choose a new password.</p>
<form method="post" action="/forgot-password" novalidate>
${field({ name: 'email', label: 'Email', type: 'email', value: values.email, autocomplete: 'email', errors: errors['email'] })}
<button type="submit">Send the link</button>
</form>`;

  app.get<{ Querystring: { sent?: string } }>('/forgot-password', PAGE_ROUTE, async (request, reply) => {
    if (request.query.sent === '1') {
      return page(
        reply,
        'Check your email',
        html`${notice('good', 'If this address has an account, a link to reset its password is on its way.')}
<p>The link works once and expires in ${humanDuration(config.tokenTtl.password_reset)}.</p>
${codeEntry()}`,
      );
    }
    return page(reply, 'Forgot your password?', forgotForm());
  });

  app.post('/forgot-password', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const email = formString(request.body, 'email');
    const result = await requestPasswordReset(ctx, { email, ip: request.ip });
    if (!result.ok)
      return page(reply, 'Forgot your password?', forgotForm({ email }, byField(result.errors)), 422);
    return redirectAfterPost(reply, config, '/forgot-password?sent=1');
  });

  // ---- Reset code (RESET_PASSWORD_METHOD code or both) ----
  const acceptsCode = allowsCode(config.methods.resetPassword);
  const codeEntry = (
    values: { email?: string } = {},
    errors: FieldErrors = {},
    message?: ReturnType<typeof notice>,
  ) =>
    acceptsCode
      ? codeForm({
          action: '/reset-password/code',
          button: 'Change my password',
          values,
          errors,
          extra: field({
            name: 'password',
            label: 'New password',
            type: 'password',
            autocomplete: 'new-password',
            hint: passwordHint(config),
            errors: errors['password'],
          }),
          ...(message ? { message } : {}),
        })
      : html``;

  app.post('/reset-password/code', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const email = formString(request.body, 'email');
    const result = await resetPasswordByCode(ctx, {
      email,
      code: formString(request.body, 'code'),
      password: formString(request.body, 'password'),
      ip: request.ip,
    });
    if (result.ok) return redirectAfterPost(reply, config, '/login?reset=1');
    if (result.reason === 'invalid_password')
      return page(reply, 'Choose a new password', codeEntry({ email }, byField(result.errors)), 422);
    if (result.reason === 'codes_not_accepted')
      return page(
        reply,
        'Codes are not used here',
        notice('bad', 'Follow the link in the email instead.'),
        400,
      );
    return page(reply, 'Choose a new password', codeEntry({ email }, {}, refusedCodeNotice()), 400);
  });

  // ---- Reset link ----
  const resetForm = (
    token: string,
    errors: FieldErrors = {},
  ) => html`<form method="post" action="/reset-password" novalidate>
<input type="hidden" name="token" value="${token}">
${field({ name: 'password', label: 'New password', type: 'password', autocomplete: 'new-password', hint: passwordHint(config), errors: errors['password'] })}
<button type="submit">Change my password</button>
</form>`;

  /**
   * A link that a newer request replaced: not the page of an expired or used link. It says when the
   * newer one was sent, and offers one more (requestResetForLink), for the person who cannot find it.
   */
  const supersededLink = (reply: FastifyReply, token: string, newerAt: number) =>
    page(
      reply,
      'A newer link was sent',
      html`${notice('bad', `A newer link was sent at ${clockTime(newerAt)}; use the latest email.`)}
<p>Only the newest reset link works. Cannot find it?</p>
${buttonForm('/reset-password/resend', 'Send me another link', { token })}
${codeEntry()}`,
      410,
    );

  const badResetLink = async (reply: FastifyReply, reason: ConsumeFailure, token: string) => {
    const newerAt =
      reason === 'superseded' || reason === 'revoked' ? await resetLinkSupersededAt(ctx, token) : null;
    if (newerAt !== null) return supersededLink(reply, token, newerAt);
    return badLinkPage(reply, reason);
  };

  const badLinkPage = (reply: FastifyReply, reason: ConsumeFailure) =>
    page(
      reply,
      'This link cannot be used',
      html`${notice('bad', linkMessage(reason, ACCOUNT_LINK_WORDS))}
<p><a href="/forgot-password">Ask for a new link</a>.</p>
${codeEntry()}`,
      tokenProblem(reason).status,
    );

  app.get<{ Querystring: { token?: unknown } }>('/reset-password', PAGE_ROUTE, async (request, reply) => {
    const token = queryString(request.query.token);
    // Without a link, the page where a code from the email is typed.
    if (token === '' && acceptsCode) return page(reply, 'Choose a new password', codeEntry());
    const state = await inspectResetLink(ctx, token);
    if (state !== 'active') return badResetLink(reply, state, token);
    return page(reply, 'Choose a new password', resetForm(token));
  });

  app.post('/reset-password', PAGE_ROUTE, async (request, reply) => {
    assertSameOrigin(config, request);
    const token = formString(request.body, 'token');
    const result = await resetPassword(ctx, {
      token,
      password: formString(request.body, 'password'),
      ip: request.ip,
    });
    if (result.ok) return redirectAfterPost(reply, config, '/login?reset=1');
    if (result.reason === 'invalid_password') {
      return page(reply, 'Choose a new password', resetForm(token, byField(result.errors)), 422);
    }
    return badResetLink(reply, result.reason, token);
  });

  app.post('/reset-password/resend', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    await requestResetForLink(ctx, formString(request.body, 'token'), request.ip);
    return redirectAfterPost(reply, config, '/forgot-password?sent=1');
  });
}
