import type { FastifyInstance, FastifyReply } from 'fastify';
import { deleteOwnAccount } from '../../accounts/account-deletion.ts';
import { exportAccount } from '../../accounts/account-export.ts';
import type { Context } from '../../context.ts';
import type { User } from '../../db/schema.ts';
import { html, type SafeHtml } from '../../html.ts';
import type { Words } from '../../i18n/locales.ts';
import { rateLimited } from '../rate-limit.ts';
import { sendAccountExport } from '../routes/account-data.ts';
import { assertSameOrigin, authenticate, clearSessionCookie } from '../session-auth.ts';
import { emailMeACode, proofField } from './action-codes.ts';
import { refusedCodeNotice } from './code-forms.ts';
import { byField, cooldownNotice, type FieldErrors, field, formString, notice } from './forms.ts';
import { PAGE_ROUTE, pageSender, pageWords, redirectAfterPost, seeOther } from './layout.ts';
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
    w: Words,
    reply: FastifyReply,
    user: User,
    status = 200,
    errors: FieldErrors = {},
    before?: SafeHtml,
    codeSent = false,
  ) =>
    page(
      reply,
      w.t('data.deleteTitle'),
      html`${before ?? ''}<p>${w.t('data.cannotUndo')}</p>
<ul>
<li>${w.t('data.removesEmail')}</li>
<li>${w.t('data.removesSessions')}</li>
<li>${w.t('data.removesLinks')}</li>
<li>${w.t('data.removesInvitations')}</li>
</ul>
<p>${w.t('data.whatStays')}</p>
<p>${w.html('data.downloadFirst', { download: html`<a href="/account/export">${w.t('data.downloadYourData')}</a>` })}</p>
<form method="post" action="/account/delete" novalidate>
${proofField(w, user, field({ name: 'currentPassword', label: w.t('security.yourPassword'), type: 'password', autocomplete: 'current-password', errors: errors['currentPassword'] }), errors['code'])}
<button type="submit">${w.t('data.delete')}</button>
</form>
${emailMeACode(w, user, 'delete_account', codeSent)}
<p><a href="/account">${w.t('data.keep')}</a></p>`,
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
    return deletePage(
      pageWords(config, request),
      reply,
      auth.user,
      200,
      {},
      undefined,
      request.query.code_sent === '1',
    );
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
    const w = pageWords(config, request);
    switch (result.reason) {
      case 'invalid_input':
        return deletePage(w, reply, auth.user, 422, byField(result.errors, w));
      case 'wrong_password':
        return deletePage(w, reply, auth.user, 401, {}, notice('bad', w.t('data.wrongPassword')));
      case 'code_invalid':
        return deletePage(w, reply, auth.user, 400, {}, refusedCodeNotice(w));
      case 'cooling_down':
        return deletePage(w, reply, auth.user, 429, {}, cooldownNotice(reply, result, w));
    }
  });

  // Where a deletion lands: a page of its own, so reloading it does not post again.
  app.get('/account/deleted', PAGE_ROUTE, async (request, reply) => {
    const w = pageWords(config, request);
    return page(
      reply,
      w.t('data.deletedTitle'),
      html`${notice('good', w.t('data.deleted'))}
<p>${w.html('data.signUpAgain', { signUp: html`<a href="/signup">${w.t('data.signUpAgainLink')}</a>` })}</p>`,
    );
  });
}

/** The two entries at the bottom of the /account page. */
export function accountDataLinks(w: Words): SafeHtml {
  return html`<h2>${w.t('data.yourData')}</h2>
<p><a href="/account/export" download>${w.t('data.download')}</a> (JSON)</p>
<p><a href="/account/delete">${w.t('data.delete')}</a></p>`;
}
