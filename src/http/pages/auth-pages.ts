import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { humanDuration, type InputError } from '../../accounts/input.ts';
import { logIn } from '../../accounts/login.ts';
import type { Cooldown } from '../../accounts/login-throttle.ts';
import { inspectResetLink, requestPasswordReset, resetPassword } from '../../accounts/password-reset.ts';
import { resendVerification } from '../../accounts/resend-verification.ts';
import { signUp } from '../../accounts/signup.ts';
import { inspectLanding, newBrowserNonce, verifyFromLanding } from '../../accounts/verify-in-browser.ts';
import type { Config } from '../../config/config.ts';
import type { Context } from '../../context.ts';
import { html, type SafeHtml } from '../../html.ts';
import type { ConsumeFailure } from '../../tokens/tokens.ts';
import { tokenProblem } from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import { assertSameOrigin, cookieAttributes, setSessionCookie } from '../session-auth.ts';
import { pageErrorHandler } from './errors.ts';
import { buttonForm, type FieldErrors, field, formString, linkMessage, notice } from './forms.ts';
import { redirectAfterPost, sendPage } from './layout.ts';

/**
 * The pages of the account flows. They follow the JSON API's rules: a GET never changes anything
 * (a link opens a page, its button POSTs), every form post must come from PUBLIC_URL's origin, and
 * a successful post answers 303 so a reload does not post again. Emailed links land here unless a
 * LINK_* template sends them to the app's own front end.
 */
export async function authPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = (reply: FastifyReply, title: string, body: SafeHtml, status = 200) =>
    sendPage(reply, config, { title, body, status });

  app.setErrorHandler(pageErrorHandler(config));

  const postRoute = { config: rateLimited(ctx), schema: { hide: true } };
  const hidden = { schema: { hide: true } };

  // The browser that asks for a verification link gets a nonce, whose fingerprint the link's token
  // keeps: there one click confirms; anywhere else the password is asked too (verify-in-browser.ts).
  // Set on every sign-up and resend post, whatever the address, so the answers stay alike.
  const verifyCookie = verifyCookieName(config);
  const markAskingBrowser = (reply: FastifyReply): string => {
    const { nonce, fingerprint } = newBrowserNonce();
    reply.setCookie(verifyCookie, nonce, {
      ...cookieAttributes(config),
      maxAge: config.tokenTtl.verify_email,
    });
    return fingerprint;
  };

  // ---- Sign up ----
  const signupForm = (
    values: { email?: string } = {},
    errors: FieldErrors = {},
  ) => html`<form method="post" action="/signup" novalidate>
${field({ name: 'email', label: 'Email', type: 'email', value: values.email, autocomplete: 'email', errors: errors['email'] })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', hint: `At least ${config.passwords.minLength} characters. A few unrelated words make a strong one.`, errors: errors['password'] })}
<button type="submit">Create account</button>
</form>
<p>Already have an account? <a href="/login">Log in</a>.</p>`;

  app.get<{ Querystring: { sent?: string } }>('/signup', hidden, async (request, reply) => {
    if (request.query.sent === '1') {
      return page(
        reply,
        'Check your email',
        html`${notice('good', 'We sent a message to the address you gave. Follow its link to continue.')}
<p>Nothing there after a few minutes? Look in your spam folder, or <a href="/verify-email">ask for a new link</a>.</p>`,
      );
    }
    return page(reply, 'Create an account', signupForm());
  });

  app.post('/signup', postRoute, async (request, reply) => {
    assertSameOrigin(config, request);
    const email = formString(request.body, 'email');
    const result = await signUp(ctx, {
      email,
      password: formString(request.body, 'password'),
      ip: request.ip,
      browser: markAskingBrowser(reply),
    });
    if (!result.ok)
      return page(reply, 'Create an account', signupForm({ email }, byField(result.errors)), 422);
    return redirectAfterPost(reply, '/signup?sent=1');
  });

  // ---- Log in ----
  const loginForm = (
    values: { email?: string } = {},
    errors: FieldErrors = {},
  ) => html`<form method="post" action="/login" novalidate>
${field({ name: 'email', label: 'Email', type: 'email', value: values.email, autocomplete: 'username', errors: errors['email'] })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', errors: errors['password'] })}
<button type="submit">Log in</button>
</form>
<p><a href="/forgot-password">Forgot your password?</a> · <a href="/signup">Create an account</a></p>`;

  const LOGIN_NOTICES: Record<string, SafeHtml> = {
    verified: notice('good', 'Your email is confirmed. You can log in now.'),
    reset: notice('good', 'Your password was changed. Log in with the new one.'),
    logged_out: notice('info', 'You are logged out.'),
  };

  app.get<{ Querystring: Record<string, string | undefined> }>('/login', hidden, async (request, reply) => {
    const shown = Object.keys(LOGIN_NOTICES).filter((key) => request.query[key] === '1');
    return page(reply, 'Log in', html`${shown.map((key) => LOGIN_NOTICES[key])}${loginForm()}`);
  });

  app.post('/login', postRoute, async (request, reply) => {
    assertSameOrigin(config, request);
    const email = formString(request.body, 'email');
    const result = await logIn(ctx, {
      email,
      password: formString(request.body, 'password'),
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
    });
    if (result.ok) {
      setSessionCookie(reply, config, result.created.token, result.created.session);
      return redirectAfterPost(reply, '/account');
    }
    switch (result.reason) {
      case 'invalid_input':
        return page(reply, 'Log in', loginForm({ email }, byField(result.errors)), 422);
      case 'invalid_credentials':
        return page(
          reply,
          'Log in',
          html`${notice('bad', 'The email or password is not correct.')}${loginForm({ email })}`,
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
      case 'cooling_down':
        return page(reply, 'Log in', cooldownNotice(reply, result), 429);
    }
  });

  // ---- Forgot password ----
  const forgotForm = (
    values: { email?: string } = {},
    errors: FieldErrors = {},
  ) => html`<p>Enter the email of your account and we will send you a link to choose a new password.</p>
<form method="post" action="/forgot-password" novalidate>
${field({ name: 'email', label: 'Email', type: 'email', value: values.email, autocomplete: 'email', errors: errors['email'] })}
<button type="submit">Send the link</button>
</form>`;

  app.get<{ Querystring: { sent?: string } }>('/forgot-password', hidden, async (request, reply) => {
    if (request.query.sent === '1') {
      return page(
        reply,
        'Check your email',
        html`${notice('good', 'If this address has an account, a link to reset its password is on its way.')}
<p>The link works once and expires in ${humanDuration(config.tokenTtl.password_reset)}.</p>`,
      );
    }
    return page(reply, 'Forgot your password?', forgotForm());
  });

  app.post('/forgot-password', postRoute, async (request, reply) => {
    assertSameOrigin(config, request);
    const email = formString(request.body, 'email');
    const result = await requestPasswordReset(ctx, { email, ip: request.ip });
    if (!result.ok)
      return page(reply, 'Forgot your password?', forgotForm({ email }, byField(result.errors)), 422);
    return redirectAfterPost(reply, '/forgot-password?sent=1');
  });

  // ---- Reset link ----
  const resetForm = (
    token: string,
    errors: FieldErrors = {},
  ) => html`<form method="post" action="/reset-password" novalidate>
<input type="hidden" name="token" value="${token}">
${field({ name: 'password', label: 'New password', type: 'password', autocomplete: 'new-password', hint: `At least ${config.passwords.minLength} characters. A few unrelated words make a strong one.`, errors: errors['password'] })}
<button type="submit">Change my password</button>
</form>`;

  const badResetLink = (reply: FastifyReply, reason: ConsumeFailure) =>
    page(
      reply,
      'This link cannot be used',
      html`${notice('bad', linkMessage(reason, 'a newer one was sent, or the account changed since'))}
<p><a href="/forgot-password">Ask for a new link</a>.</p>`,
      tokenProblem(reason).status,
    );

  app.get<{ Querystring: { token?: unknown } }>('/reset-password', hidden, async (request, reply) => {
    const token = queryString(request.query.token);
    const state = await inspectResetLink(ctx, token);
    if (state !== 'active') return badResetLink(reply, state);
    return page(reply, 'Choose a new password', resetForm(token));
  });

  app.post('/reset-password', { schema: { hide: true } }, async (request, reply) => {
    assertSameOrigin(config, request);
    const token = formString(request.body, 'token');
    const result = await resetPassword(ctx, {
      token,
      password: formString(request.body, 'password'),
      ip: request.ip,
    });
    if (result.ok) return redirectAfterPost(reply, '/login?reset=1');
    if (result.reason === 'invalid_password') {
      return page(reply, 'Choose a new password', resetForm(token, byField(result.errors)), 422);
    }
    return badResetLink(reply, result.reason);
  });

  // ---- Verification link ----
  const resendForm = (
    values: { email?: string } = {},
    errors: FieldErrors = {},
  ) => html`<form method="post" action="/verify-email/resend" novalidate>
${field({ name: 'email', label: 'Email', type: 'email', value: values.email, autocomplete: 'email', errors: errors['email'] })}
<button type="submit">Send a new link</button>
</form>`;

  const confirmForm = (token: string, needsPassword: boolean, errors: FieldErrors = {}) =>
    needsPassword
      ? html`<p>This link was opened in a different browser from the one that asked for it. Enter the
password of the account to confirm that this address is yours.</p>
<form method="post" action="/verify-email" novalidate>
<input type="hidden" name="token" value="${token}">
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', errors: errors['password'] })}
<button type="submit">Confirm my email</button>
</form>`
      : html`<p>One more step: confirm that this address is yours.</p>
${buttonForm('/verify-email', 'Confirm my email', { token })}`;

  const verificationLanding = async (request: FastifyRequest, reply: FastifyReply, token: string) => {
    const landing = await inspectLanding(ctx, token, request.cookies[verifyCookie]);
    if (landing.state === 'active') {
      return page(reply, 'Confirm your email', confirmForm(token, landing.needsPassword));
    }
    if (landing.state === 'already_verified') {
      return page(
        reply,
        'Email already confirmed',
        html`${notice('good', 'This address is already confirmed.')}
<p><a href="/login">Log in</a></p>`,
      );
    }
    return badVerificationLink(reply, landing.state);
  };

  const badVerificationLink = (reply: FastifyReply, reason: ConsumeFailure) =>
    page(
      reply,
      'This link cannot be used',
      html`${notice('bad', linkMessage(reason, 'a newer one was sent, or the account changed since'))}
<p>Enter your email to get a new link.</p>
${resendForm()}`,
      tokenProblem(reason).status,
    );

  app.get<{ Querystring: { token?: unknown; resent?: string } }>(
    '/verify-email',
    hidden,
    async (request, reply) => {
      if (request.query.token === undefined) {
        if (request.query.resent === '1') {
          return page(
            reply,
            'Check your email',
            notice(
              'good',
              'If this address has an account waiting for confirmation, a new link is on its way.',
            ),
          );
        }
        return page(reply, 'Get a new confirmation link', resendForm());
      }
      return verificationLanding(request, reply, queryString(request.query.token));
    },
  );

  // The link shape of the original design: the same landing page, whose button posts to /verify-email.
  app.get<{ Querystring: { vt?: unknown } }>('/v1/users/verify', hidden, async (request, reply) =>
    verificationLanding(request, reply, queryString(request.query.vt)),
  );

  // Rate-limited per IP like the login form: it may check a password.
  app.post('/verify-email', postRoute, async (request, reply) => {
    assertSameOrigin(config, request);
    const token = formString(request.body, 'token');
    const result = await verifyFromLanding(ctx, {
      token,
      nonce: request.cookies[verifyCookie],
      password: formString(request.body, 'password'),
      ip: request.ip,
    });
    if (result.ok) return redirectAfterPost(reply, '/login?verified=1');
    switch (result.reason) {
      case 'password_required':
        return page(
          reply,
          'Confirm your email',
          confirmForm(token, true, { password: ['is required'] }),
          422,
        );
      case 'wrong_password':
        return page(
          reply,
          'Confirm your email',
          html`${notice('bad', 'That password is not correct.')}${confirmForm(token, true)}`,
          401,
        );
      case 'cooling_down':
        return page(reply, 'Confirm your email', cooldownNotice(reply, result), 429);
      default:
        return badVerificationLink(reply, result.reason);
    }
  });

  app.post('/verify-email/resend', postRoute, async (request, reply) => {
    assertSameOrigin(config, request);
    const email = formString(request.body, 'email');
    const result = await resendVerification(ctx, {
      email,
      ip: request.ip,
      browser: markAskingBrowser(reply),
    });
    if (!result.ok)
      return page(reply, 'Get a new confirmation link', resendForm({ email }, byField(result.errors)), 422);
    return redirectAfterPost(reply, '/verify-email?resent=1');
  });
}

/** What a form that checks a password says when the login throttle refuses the check. */
function cooldownNotice(reply: FastifyReply, cooldown: Cooldown): SafeHtml {
  reply.header('retry-after', String(cooldown.retryAfterSeconds));
  const wait = cooldown.untilReset
    ? 'Too many failed attempts in a row for this email address: reset the password to log in again.'
    : `Too many failed attempts for this email address. Try again in ${Math.ceil(cooldown.retryAfterSeconds / 60)} minutes.`;
  return html`${notice('bad', wait)}
<p>Forgot your password? <a href="/forgot-password">Reset it</a>: that works right away.</p>`;
}

/** The cookie of the browser that asked for a verification link (see markAskingBrowser). */
export function verifyCookieName(config: Config): string {
  return config.publicUrl.startsWith('https:') ? '__Host-oto-verify' : 'oto_verify';
}

function byField(errors: InputError[]): FieldErrors {
  const grouped: Record<string, string[]> = {};
  for (const { field: name, message } of errors) grouped[name] = [...(grouped[name] ?? []), message];
  return grouped;
}

function queryString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
