import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.ts';
import { decidePageLocale } from '../locale.ts';
import { accountDataPages } from './account-data.ts';
import { accountPages } from './account-pages.ts';
import { accountSecurityPages } from './account-security.ts';
import { actionCodePages } from './action-codes.ts';
import { emailChangePages } from './email-change.ts';
import { pageErrorHandler } from './errors.ts';
import { invitationPages } from './invitations.ts';
import { stylesheetRoute } from './layout.ts';
import { logInPages } from './log-in.ts';
import { resetPasswordPages } from './reset-password.ts';
import { signInEmailPages } from './sign-in-email.ts';
import { signUpPages } from './sign-up.ts';
import { unsubscribePages } from './unsubscribe.ts';
import { verifyEmailPages } from './verify-email.ts';

/**
 * The server-rendered pages, registered by plugin.ts. They follow the JSON API's rules: a GET never
 * changes anything (a link opens a page, its button POSTs), every form post must come from
 * PUBLIC_URL's origin, and a successful post answers 303 so a reload does not post again. Emailed
 * links land here unless a LINK_* template sends them to the app's own front end.
 */
export async function pages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  // Every page speaks the request's language, decided before its handler runs (locale.ts).
  app.addHook('preHandler', async (request) => decidePageLocale(ctx, request));
  await app.register(stylesheetRoute, { config: ctx.config });
  // These answer a refused post with the app's problem+json.
  await app.register(accountPages, { ctx });
  await app.register(unsubscribePages, { ctx });

  // The pages of the flows answer a refused cross-site post, a rate limit or a bad form with a page.
  await app.register(async (flows) => {
    flows.setErrorHandler(pageErrorHandler(ctx.config));
    await flows.register(signUpPages, { ctx });
    await flows.register(logInPages, { ctx });
    await flows.register(signInEmailPages, { ctx });
    await flows.register(resetPasswordPages, { ctx });
    await flows.register(verifyEmailPages, { ctx });
    await flows.register(invitationPages, { ctx });
    await flows.register(emailChangePages, { ctx });
    await flows.register(accountDataPages, { ctx });
    await flows.register(accountSecurityPages, { ctx });
    await flows.register(actionCodePages, { ctx });
  });
}
