import type { FastifyInstance, FastifyReply } from 'fastify';
import { deleteOwnAccount } from '../../accounts/account-deletion.ts';
import { exportAccount } from '../../accounts/account-export.ts';
import type { Context } from '../../context.ts';
import type { User } from '../../db/schema.ts';
import { html, type SafeHtml } from '../../html.ts';
import { wrongCurrentPasswordProblem } from '../problem.ts';
import { rateLimited } from '../rate-limit.ts';
import { sendAccountExport } from '../routes/account-data.ts';
import { assertSameOrigin, authenticate, clearSessionCookie } from '../session-auth.ts';
import { emailMeACode, proofField } from './action-codes.ts';
import { refusedCodeNotice } from './code-forms.ts';
import { byField, cooldownNotice, type FieldErrors, field, formString, notice } from './forms.ts';
import { PAGE_ROUTE, pageSender, redirectAfterPost, seeOther } from './layout.ts';
import { loginPath } from './return-to.ts';

/**
 * The /account page's "Download my data" and "Delete my account": the download, and the second page
 * that says what deletion removes and asks for the password (DELETE /v1/me is the API's way).
 */
export async function accountDataPages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  const { config } = ctx;
  const page = pageSender(config);
  const logInFirst = (reply: FastifyReply, path: string) =>
    seeOther(reply, loginPath(`${config.basePath}${path}`));

  const deletePage = (
    reply: FastifyReply,
    user: User,
    status = 200,
    errors: FieldErrors = {},
    before?: SafeHtml,
    codeSent = false,
  ) =>
    page(
      reply,
      'Delete your account',
      html`${before ?? ''}<p>Deleting your account cannot be undone. It removes, at once:</p>
<ul>
<li>your email address, password and newsletter preference;</li>
<li>every session: you are logged out on all your devices;</li>
<li>every link we emailed you that is still waiting to be used, and mail not sent yet;</li>
<li>the invitations you sent that nobody accepted yet, which stop working.</li>
</ul>
<p>What stays is the record of what happened to the account (logins, changes), under its
anonymous id and without your email address. One last email tells you the account was deleted.</p>
<p><a href="/account/export">Download your data</a> first if you want to keep a copy.</p>
<form method="post" action="/account/delete" novalidate>
${proofField(user, field({ name: 'currentPassword', label: 'Your password', type: 'password', autocomplete: 'current-password', errors: errors['currentPassword'] }), errors['code'])}
<button type="submit">Delete my account</button>
</form>
${emailMeACode(user, 'delete_account', codeSent)}
<p><a href="/account">Keep my account</a></p>`,
      status,
    );

  // A GET changes nothing: this only reads. The session cookie is what proves who asks.
  app.get('/account/export', PAGE_ROUTE, async (request, reply) => {
    const auth = await authenticate(ctx, request);
    if (auth === null) return logInFirst(reply, '/account/export');
    const data = await exportAccount(ctx, auth.user.id);
    if (data === null) return logInFirst(reply, '/account/export');
    return sendAccountExport(reply, data);
  });

  app.get<{ Querystring: { code_sent?: string } }>('/account/delete', PAGE_ROUTE, async (request, reply) => {
    const auth = await authenticate(ctx, request);
    if (auth === null) return logInFirst(reply, '/account/delete');
    return deletePage(reply, auth.user, 200, {}, undefined, request.query.code_sent === '1');
  });

  app.post('/account/delete', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(config, request);
    const auth = await authenticate(ctx, request);
    if (auth === null) return redirectAfterPost(reply, config, '/login');
    const result = await deleteOwnAccount(ctx, {
      user: auth.user,
      currentPassword: formString(request.body, 'currentPassword'),
      code: formString(request.body, 'code'),
      ip: request.ip,
    });
    if (result.ok || result.reason === 'unknown') {
      clearSessionCookie(reply, config);
      return redirectAfterPost(reply, config, '/account/deleted');
    }
    switch (result.reason) {
      case 'invalid_input':
        return deletePage(reply, auth.user, 422, byField(result.errors));
      case 'wrong_password':
        return deletePage(reply, auth.user, 401, {}, notice('bad', wrongCurrentPasswordProblem().title));
      case 'code_invalid':
        return deletePage(reply, auth.user, 400, {}, refusedCodeNotice());
      case 'cooling_down':
        return deletePage(reply, auth.user, 429, {}, cooldownNotice(reply, result));
    }
  });

  // Where a deletion lands: a page of its own, so reloading it does not post again.
  app.get('/account/deleted', PAGE_ROUTE, async (_request, reply) =>
    page(
      reply,
      'Your account was deleted',
      html`${notice('good', 'Your account and its data were deleted. You are logged out.')}
<p>You can <a href="/signup">sign up again</a> with the same address at any time.</p>`,
    ),
  );
}

/** The two entries at the bottom of the /account page. */
export function accountDataLinks(): SafeHtml {
  return html`<h2>Your data</h2>
<p><a href="/account/export" download>Download my data</a> (JSON)</p>
<p><a href="/account/delete">Delete my account</a></p>`;
}
