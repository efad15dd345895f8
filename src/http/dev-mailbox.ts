import type { FastifyInstance, FastifyReply } from 'fastify';
import { sql } from 'kysely';
import { isoTime } from '../clock.ts';
import type { Context } from '../context.ts';
import { ID_PATTERN } from '../db/ids.ts';
import type { OutboxMessage } from '../db/schema.ts';
import { html, type SafeHtml } from '../html.ts';
import { isLocale, LOCALES } from '../i18n/locales.ts';
import { renderSample } from '../mail/samples.ts';
import { EMAIL_KINDS, isEmailKind, type RenderedEmail } from '../mail/templates.ts';
import { HttpProblem } from './problem.ts';

/**
 * The dev mailbox: with the dev transport (SMTP_URL unset) a delivered message stays in the outbox
 * with its bodies, and these routes show it as an inbox would. plugin.ts registers them only with the
 * dev transport, so with SMTP configured they do not exist, and no body is kept to show anyway.
 *
 * One file for its pages and its JSON list alike, outside pages/ and routes/: it is a development
 * tool, neither oto's pages nor its API, with a frame and headers of its own, and the JSON list is
 * the same query as the page's, for scripts and tests.
 */

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/** Where the mailbox is below the base path, for the start-up line. */
export const DEV_MAILBOX_PATH = '/dev/mailbox';

interface ListQuery {
  to?: string;
  limit?: string;
}

const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    to: { type: 'string', maxLength: 320 },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
  },
} as const;

export async function devMailboxRoutes(app: FastifyInstance, { ctx }: { ctx: Context }) {
  app.addHook('onSend', async (_request, reply) => {
    // The pages show live reset links: never cache them, never leak them in a Referer, never let
    // the messages' HTML run anything.
    reply.header('cache-control', 'no-store');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-content-type-options', 'nosniff');
    reply.header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
  });

  app.get<{ Querystring: ListQuery }>(
    DEV_MAILBOX_PATH,
    { schema: { hide: true, querystring: listQuerySchema } },
    async (request, reply) => {
      const [messages, waiting] = await Promise.all([listDelivered(ctx, request.query), countWaiting(ctx)]);
      return sendPage(
        reply,
        'Dev mailbox',
        listPage(ctx.config.basePath, messages, waiting, request.query.to),
      );
    },
  );

  app.get<{ Querystring: ListQuery }>(
    `${DEV_MAILBOX_PATH}.json`,
    { schema: { hide: true, querystring: listQuerySchema } },
    async (request) => {
      const messages = await listDelivered(ctx, request.query);
      return { messages: messages.map(toJson) };
    },
  );

  // Every email kind in every language with sample data, as the outbox renders it (TEMPLATES_DIR,
  // branding): for whoever writes templates. Nothing is queued or sent.
  app.get(`${DEV_MAILBOX_PATH}/preview`, { schema: { hide: true } }, async (_request, reply) =>
    sendPage(reply, 'Preview all templates', previewList(ctx.config.basePath)),
  );

  app.get<{ Params: { kind: string; locale: string } }>(
    `${DEV_MAILBOX_PATH}/preview/:kind/:locale`,
    { schema: { hide: true } },
    async (request, reply) => {
      const { kind, locale } = request.params;
      if (!isEmailKind(kind) || !isLocale(locale))
        throw new HttpProblem(404, 'not_found', 'There is no such email kind or language.');
      const email = renderSample(ctx.config, kind, locale);
      return sendPage(reply, email.subject, previewPage(ctx.config.basePath, `${kind} (${locale})`, email));
    },
  );

  app.get<{ Params: { id: string } }>(
    `${DEV_MAILBOX_PATH}/:id`,
    { schema: { hide: true } },
    async (request, reply) => {
      const message = ID_PATTERN.test(request.params.id)
        ? await ctx.db
            .selectFrom('email_outbox')
            .selectAll()
            .where('id', '=', request.params.id)
            .where('status', '=', 'sent')
            .executeTakeFirst()
        : undefined;
      if (!message) throw new HttpProblem(404, 'not_found', 'There is no such message in the dev mailbox.');
      return sendPage(reply, message.subject, messagePage(ctx.config.basePath, message));
    },
  );
}

/** Delivered messages, newest first. */
async function listDelivered(ctx: Context, query: ListQuery): Promise<OutboxMessage[]> {
  const limit = Math.min(MAX_LIMIT, Math.max(1, Number(query.limit ?? DEFAULT_LIMIT)));
  let select = ctx.db
    .selectFrom('email_outbox')
    .selectAll()
    .where('status', '=', 'sent')
    // Ids are UUIDv7, so newest first by id is newest first by creation, through the primary key.
    .orderBy('id', 'desc')
    .limit(limit);
  if (query.to) select = select.where('recipient', '=', query.to);
  return select.execute();
}

async function countWaiting(ctx: Context): Promise<number> {
  const row = await ctx.db
    .selectFrom('email_outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(sql<boolean>`status in ('pending', 'sending')`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every http(s) URL in a text body, in order, once each. */
export function findLinks(text: string | null): string[] {
  if (!text) return [];
  return [...new Set(text.match(/https?:\/\/[^\s<>"'()[\]]+/g) ?? [])];
}

function toJson(m: OutboxMessage) {
  return {
    id: m.id,
    kind: m.kind,
    to: m.recipient,
    from: m.sender,
    subject: m.subject,
    text: m.text_body,
    html: m.html_body,
    headers: m.headers ? (JSON.parse(m.headers) as Record<string, string>) : {},
    messageId: m.message_id,
    createdAt: m.created_at,
    sentAt: m.sent_at,
    links: findLinks(m.text_body),
  };
}

function sendPage(reply: FastifyReply, title: string, body: SafeHtml) {
  return reply.type('text/html; charset=utf-8').send(
    html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:960px;margin:0 auto;padding:16px 24px;color:#111;line-height:1.45}
.note{background:#fff7d6;border:1px solid #e6d38a;padding:10px 14px;border-radius:6px}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:6px 8px;border-bottom:1px solid #ddd;vertical-align:top}
.links a{display:block;word-break:break-all;font-size:13px}
iframe{width:100%;height:480px;border:1px solid #ccc;border-radius:6px}
pre{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:12px;border-radius:6px}
dt{font-weight:600}dd{margin:0 0 6px 0}
</style></head>
<body>${body}</body></html>`.value,
  );
}

const NOTE = html`<p class="note">This is the <strong>development mailbox</strong>: a stand-in for your
users' inboxes while no SMTP server is configured (SMTP_URL is unset). It is the only place oto keeps
message bodies after sending; with SMTP, bodies are erased once a message is delivered and this page does
not exist.</p>`;

function listPage(
  basePath: string,
  messages: OutboxMessage[],
  waiting: number,
  to: string | undefined,
): SafeHtml {
  const mailbox = `${basePath}${DEV_MAILBOX_PATH}`;
  return html`<h1>Dev mailbox</h1>
${NOTE}
<p><a href="${mailbox}/preview">Preview all templates</a>: every email kind in every language, with sample data.</p>
${waiting > 0 ? html`<p>${waiting} message(s) waiting in the outbox appear here once the worker delivers them (is it running?).</p>` : ''}
${to ? html`<p>Messages to <strong>${to}</strong>. <a href="${mailbox}">Show all</a></p>` : ''}
${
  messages.length === 0
    ? html`<p>No messages yet.</p>`
    : html`<table><thead><tr><th>Received</th><th>To</th><th>Subject</th><th>Links</th></tr></thead><tbody>
${messages.map(
  (m) => html`<tr><td>${timestamp(m.sent_at ?? m.created_at)}</td><td>${m.recipient}</td>
<td><a href="${mailbox}/${m.id}">${m.subject}</a><br><small>${m.kind}</small></td>
<td class="links">${findLinks(m.text_body).map((link) => html`<a href="${link}" rel="noreferrer">${link}</a>`)}</td></tr>
`,
)}</tbody></table>`
}`;
}

function messagePage(basePath: string, m: OutboxMessage): SafeHtml {
  const mailbox = `${basePath}${DEV_MAILBOX_PATH}`;
  const headers = m.headers ? (JSON.parse(m.headers) as Record<string, string>) : {};
  return html`<p><a href="${mailbox}">← Dev mailbox</a></p>
<h1>${m.subject}</h1>
${NOTE}
<dl>
<dt>From</dt><dd>${m.sender}</dd>
<dt>To</dt><dd>${m.recipient}</dd>
<dt>Kind</dt><dd>${m.kind}</dd>
<dt>Received</dt><dd>${timestamp(m.sent_at ?? m.created_at)}</dd>
<dt>Message-ID</dt><dd>${m.message_id}</dd>
${Object.entries(headers).map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}
</dl>
<h2>Links</h2>
<div class="links">${findLinks(m.text_body).map((link) => html`<a href="${link}" rel="noreferrer">${link}</a>`)}</div>
${
  m.html_body
    ? html`<h2>HTML</h2>
<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" title="HTML body"
 srcdoc="${`<base target="_blank">${m.html_body}`}"></iframe>`
    : ''
}
<h2>Text</h2>
<pre>${m.text_body ?? '(body erased)'}</pre>`;
}

function previewList(basePath: string): SafeHtml {
  const preview = `${basePath}${DEV_MAILBOX_PATH}/preview`;
  return html`<p><a href="${basePath}${DEV_MAILBOX_PATH}">← Dev mailbox</a></p>
<h1>Preview all templates</h1>
<p>Each email kind rendered with sample data, as the outbox would send it: TEMPLATES_DIR's files where
there are some, the built-in ones elsewhere, with this configuration's branding. The same files:
<code>oto templates preview all --out DIR</code>.</p>
<table><thead><tr><th>Kind</th>${LOCALES.map((l) => html`<th>${l}</th>`)}</tr></thead><tbody>
${EMAIL_KINDS.map(
  (
    kind,
  ) => html`<tr><td>${kind}</td>${LOCALES.map((l) => html`<td><a href="${preview}/${kind}/${l}">${l}</a></td>`)}</tr>
`,
)}</tbody></table>`;
}

function previewPage(basePath: string, label: string, email: RenderedEmail): SafeHtml {
  return html`<p><a href="${basePath}${DEV_MAILBOX_PATH}/preview">← Preview all templates</a></p>
<h1>${email.subject}</h1>
<p>${label}, with sample data: the links carry no real token.</p>
<h2>HTML</h2>
<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" title="HTML body"
 srcdoc="${`<base target="_blank">${email.html}`}"></iframe>
<h2>Text</h2>
<pre>${email.text}</pre>`;
}

function timestamp(ms: number): string {
  return isoTime(ms)
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}
