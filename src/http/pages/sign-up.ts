import type { FastifyInstance } from 'fastify';
import { signUp } from '../../accounts/signup.ts';
import { allowsCode } from '../../config/config.ts';
import type { Context } from '../../context.ts';
import { html } from '../../html.ts';
import { rateLimited } from '../rate-limit.ts';
import { assertSameOrigin } from '../session-auth.ts';
import { byField, type FieldErrors, field, formString, notice, passwordHint } from './forms.ts';
import { PAGE_ROUTE, pageSender, redirectAfterPost } from './layout.ts';
import { markAskingBrowser } from './verify-email.ts';

/** Sign up: the form, and the page that says to check the inbox. */
export async function signUpPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = pageSender(config);

  const signupForm = (
    values: { email?: string } = {},
    errors: FieldErrors = {},
  ) => html`<form method="post" action="/signup" novalidate>
${field({ name: 'email', label: 'Email', type: 'email', value: values.email, autocomplete: 'email', errors: errors['email'] })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', hint: passwordHint(config), errors: errors['password'] })}
<button type="submit">Create account</button>
</form>
<p>Already have an account? <a href="/login">Log in</a>.</p>`;

  app.get<{ Querystring: { sent?: string } }>('/signup', PAGE_ROUTE, async (request, reply) => {
    if (request.query.sent === '1') {
      return page(
        reply,
        'Check your email',
        html`${notice('good', 'We sent a message to the address you gave. Follow its link to continue.')}
<p>Nothing there after a few minutes? Look in your spam folder, or <a href="/verify-email">ask for a new link</a>.</p>
${allowsCode(config.methods.verifyEmail) ? html`<p>The email holds a code? <a href="/verify-email#code">Enter the code instead</a>.</p>` : ''}`,
      );
    }
    return page(reply, 'Create an account', signupForm());
  });

  app.post('/signup', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const email = formString(request.body, 'email');
    const result = await signUp(ctx, {
      email,
      password: formString(request.body, 'password'),
      ip: request.ip,
      browser: markAskingBrowser(reply, config),
    });
    if (!result.ok)
      return page(reply, 'Create an account', signupForm({ email }, byField(result.errors)), 422);
    return redirectAfterPost(reply, config, '/signup?sent=1');
  });
}
