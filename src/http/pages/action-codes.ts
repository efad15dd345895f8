import type { FastifyInstance } from 'fastify';
import { SENSITIVE_ACTIONS, type SensitiveAction, sendActionCode } from '../../accounts/action-codes.ts';
import type { Context } from '../../context.ts';
import type { User } from '../../db/schema.ts';
import { html, type SafeHtml } from '../../html.ts';
import type { Words } from '../../i18n/locales.ts';
import { rateLimited } from '../rate-limit.ts';
import { assertSameOrigin, authenticate } from '../session-auth.ts';
import { buttonForm, field, formString, notice } from './forms.ts';
import { PAGE_ROUTE, redirectAfterPost } from './layout.ts';

/**
 * The forms of the sensitive actions for an account without a password (action-codes.ts): the
 * code field where the password field would be, and "Email me a code" beside the form (forms do
 * not nest). Where each action's form sits, to come back to after the code is sent.
 */
const ACTION_PAGES: Record<SensitiveAction, string> = {
  // oto has no page of its own for asking a change of email (the API's POST /v1/me/email).
  change_email: '/account',
  change_password: '/account',
  delete_account: '/account/delete',
  revoke_other_sessions: '/account',
};

/** The password field for an account with one; the code field for one without. */
export function proofField(w: Words, user: User, passwordField: SafeHtml, errors?: string[]): SafeHtml {
  if (user.password_hash !== null) return passwordField;
  return field({
    name: 'code',
    label: w.t('field.code'),
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    hint: w.t('actionCode.hint'),
    ...(errors ? { errors } : {}),
  });
}

/** "Email me a code" for this action, for an account without a password; nothing otherwise. */
export function emailMeACode(w: Words, user: User, action: SensitiveAction, sent: boolean): SafeHtml {
  if (user.password_hash !== null) return html``;
  return html`${sent ? notice('good', w.t('actionCode.sent')) : ''}
${buttonForm('/account/action-code', w.t('actionCode.emailMe'), { action }, true)}`;
}

export async function actionCodePages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.post('/account/action-code', { config: rateLimited(ctx), ...PAGE_ROUTE }, async (request, reply) => {
    assertSameOrigin(ctx.config, request);
    const auth = await authenticate(ctx, request);
    if (auth === null) return redirectAfterPost(reply, ctx.config, '/login');
    const action = formString(request.body, 'action') as SensitiveAction;
    if (!SENSITIVE_ACTIONS.includes(action)) return redirectAfterPost(reply, ctx.config, '/account');
    await sendActionCode(ctx, { user: auth.user, action });
    const back = ACTION_PAGES[action];
    return redirectAfterPost(reply, ctx.config, `${back}?code_sent=1`);
  });
}
