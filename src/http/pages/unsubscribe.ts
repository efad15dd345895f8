import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../../context.ts';
import { html } from '../../html.ts';
import { setSubscribed, unsubscribeTokenUser } from '../../newsletter/subscription.ts';
import { buttonForm } from './forms.ts';
import { pageWords, sendPage } from './layout.ts';

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
    const w = pageWords(ctx.config, request);
    return sendPage(reply, ctx.config, {
      title: w.t('unsubscribe.title'),
      body: html`<p>${w.t('unsubscribe.question', { appName: ctx.config.appName })}</p>
${buttonForm(`/unsubscribe?token=${encodeURIComponent(token!)}`, w.t('unsubscribe.button'), { [ONE_CLICK_FIELD]: ONE_CLICK_VALUE })}
<p class="hint">${w.t('unsubscribe.accountMail')}</p>`,
    });
  });

  app.post('/unsubscribe', async (request, reply) => {
    const userId = unsubscribeTokenUser(ctx, queryToken(request));
    if (userId === null) return invalidLinkPage(ctx, reply);
    if (!isOneClick(await oneClickFields(request))) {
      const w = pageWords(ctx.config, request);
      return sendPage(reply, ctx.config, {
        status: 400,
        title: w.t('unsubscribe.missingTitle'),
        body: html`<p>${w.t('unsubscribe.missing', { field: `${ONE_CLICK_FIELD}=${ONE_CLICK_VALUE}` })}</p>`,
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
  const w = pageWords(ctx.config, reply.request);
  return sendPage(reply, ctx.config, {
    title: w.t('unsubscribe.doneTitle'),
    body: html`<p>${w.t('unsubscribe.done', { appName: ctx.config.appName })}</p>
<p class="hint">${w.t('unsubscribe.again')}</p>`,
  });
}

function invalidLinkPage(ctx: Context, reply: FastifyReply) {
  const w = pageWords(ctx.config, reply.request);
  return sendPage(reply, ctx.config, {
    status: 400,
    title: w.t('unsubscribe.invalidTitle'),
    body: html`<p>${w.t('unsubscribe.invalid')}</p>`,
  });
}
