import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../../context.ts';
import { html } from '../../html.ts';
import { setSubscribed, unsubscribeTokenUser } from '../../newsletter/subscription.ts';
import { buttonForm } from './forms.ts';
import { sendPage } from './layout.ts';

/**
 * Unsubscribe links, as RFC 8058 one-click requires:
 * - GET (and HEAD) /unsubscribe?token=… shows a page with one button and changes nothing: mail
 *   scanners and link previews fetch URLs.
 * - POST /unsubscribe?token=… with the body List-Unsubscribe=One-Click, form-encoded or multipart,
 *   is what a mail client sends from the List-Unsubscribe-Post header, and what the page's button
 *   sends. It needs no cookie and no CSRF token (the signed token is the authority, and it grants
 *   nothing but this), never redirects, and answers 200 with a small page, every time it is repeated.
 */

const ONE_CLICK_FIELD = 'List-Unsubscribe';
const ONE_CLICK_VALUE = 'One-Click';

export async function unsubscribePages(app: FastifyInstance, { ctx }: { ctx: Context }) {
  // Multipart is accepted by this plugin's routes only, and read by oneClickFields below.
  await app.register(multipart, { limits: MULTIPART_LIMITS });

  app.get('/unsubscribe', async (request, reply) => {
    const token = queryToken(request);
    if (unsubscribeTokenUser(ctx, token) === null) return invalidLinkPage(ctx, reply);
    return sendPage(reply, ctx.config, {
      title: 'Unsubscribe',
      body: html`<p>Stop receiving ${ctx.config.appName} newsletters at this address?</p>
${buttonForm(`/unsubscribe?token=${encodeURIComponent(token!)}`, 'Unsubscribe', { [ONE_CLICK_FIELD]: ONE_CLICK_VALUE })}
<p class="hint">Emails about your account, such as password resets, still arrive.</p>`,
    });
  });

  app.post('/unsubscribe', async (request, reply) => {
    const userId = unsubscribeTokenUser(ctx, queryToken(request));
    if (userId === null) return invalidLinkPage(ctx, reply);
    if (!isOneClick(await oneClickFields(request))) {
      return sendPage(reply, ctx.config, {
        status: 400,
        title: 'Something is missing',
        body: html`<p>This request must carry ${ONE_CLICK_FIELD}=${ONE_CLICK_VALUE}. Open the link from the
email again and press the button.</p>`,
      });
    }
    await setSubscribed(ctx, userId, false, request.ip);
    return unsubscribedPage(ctx, reply);
  });
}

/** The token from the query string; a repeated or missing parameter is no token. */
function queryToken(request: FastifyRequest): string | undefined {
  const value = (request.query as Record<string, unknown>)['token'];
  return typeof value === 'string' ? value : undefined;
}

const MULTIPART_LIMITS = { fields: 4, fieldNameSize: 64, fieldSize: 256, files: 0, parts: 4 };

/**
 * The body's fields, however they came: form-encoded (parsed by formbody), multipart (read here,
 * within small limits), or JSON. A body that cannot be read has no fields, which the caller
 * answers with a 400 page: a broken multipart body is the client's mistake, never a 500.
 */
async function oneClickFields(request: FastifyRequest): Promise<Record<string, unknown>> {
  if (!request.isMultipart()) {
    const body = request.body;
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  }
  const fields: Record<string, unknown> = {};
  try {
    for await (const part of request.parts({ limits: MULTIPART_LIMITS })) {
      if (part.type === 'field') fields[part.fieldname] = part.value;
    }
  } catch {
    return {};
  }
  return fields;
}

function isOneClick(fields: Record<string, unknown>): boolean {
  return fields[ONE_CLICK_FIELD] === ONE_CLICK_VALUE;
}

function unsubscribedPage(ctx: Context, reply: FastifyReply) {
  return sendPage(reply, ctx.config, {
    title: 'You are unsubscribed',
    body: html`<p>You will not receive ${ctx.config.appName} newsletters at this address any more.</p>
<p class="hint">Emails about your account, such as password resets, still arrive. You can subscribe
again from your account page.</p>`,
  });
}

function invalidLinkPage(ctx: Context, reply: FastifyReply) {
  return sendPage(reply, ctx.config, {
    status: 400,
    title: 'This link is not valid',
    body: html`<p>This unsubscribe link is damaged or no longer valid. Copy the whole link from the email
and try again, or unsubscribe from your account page.</p>`,
  });
}
