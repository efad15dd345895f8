import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../../config/config.ts';
import { html, type SafeHtml } from '../../html.ts';

/**
 * The frame of every server-rendered page: one small stylesheet served by oto itself, no JavaScript,
 * nothing from another origin. Write page bodies with the `html` tagged template (src/html.ts),
 * which escapes every interpolated value, then hand them to sendPage:
 *
 *   return sendPage(reply, ctx.config, { title: 'Log in', body: html`<form …>…</form>` });
 *
 * Every page gets the same headers (PAGE_HEADERS): a strict Content-Security-Policy, and, because
 * oto's pages carry tokens in their address or personal data in their body, Referrer-Policy:
 * no-referrer and Cache-Control: no-store. Token pages need nothing more.
 */

export interface Page {
  title: string;
  body: SafeHtml;
  /** Defaults to 200. */
  status?: number;
}

const STYLESHEET = `:root{color-scheme:light dark;--fg:#111;--bg:#fff;--muted:#555;--line:#ccd;--accent:#1f4fd1;--bad:#b3261e;--good:#1b6e3a}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#15171a;--muted:#aab;--line:#445;--accent:#8fb0ff;--bad:#ff8a80;--good:#7fd69a}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header,main{max-width:32rem;margin:0 auto;padding:1rem 1.25rem}
header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid var(--line)}
header a{color:inherit;text-decoration:none;font-weight:600}
nav a{margin-left:1rem;font-weight:400}
h1{font-size:1.5rem;margin:1.5rem 0 1rem}
a{color:var(--accent)}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
.hint{display:block;font-weight:400;color:var(--muted);font-size:.875rem}
input[type=email],input[type=password],input[type=text]{width:100%;padding:.6rem .7rem;font:inherit;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
input[aria-invalid=true]{border-color:var(--bad)}
button{margin-top:1.25rem;padding:.6rem 1.1rem;font:inherit;font-weight:600;color:#fff;background:var(--accent);border:0;border-radius:6px;cursor:pointer}
button.secondary{background:transparent;color:var(--accent);border:1px solid var(--line)}
.error{display:block;color:var(--bad);margin-top:.25rem}
.notice{padding:.75rem 1rem;border-radius:6px;border:1px solid var(--line)}
.notice.bad{border-color:var(--bad)}
.notice.good{border-color:var(--good)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}dd{margin:0}
`;

/** Content-addressed, so it can be cached for good and a new version is fetched at once. */
export const STYLESHEET_PATH = `/assets/oto-${createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12)}.css`;

/**
 * default-src 'none' forbids everything not listed: no script at all, no frames, no connections.
 * form-action 'self' keeps a form from being pointed elsewhere by injected markup.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * `signedIn` only chooses the links in the header: it is the presence of a session cookie, not a
 * checked session, so a stale cookie shows "Account", which leads to the login page.
 */
export function renderPage(config: Config, page: Page, signedIn = false): string {
  const nav = signedIn
    ? html`<a href="/account">Account</a>`
    : html`<a href="/login">Log in</a><a href="/signup">Sign up</a>`;
  const document = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${page.title} · ${config.appName}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<header><a href="/">${config.appName}</a><nav>${nav}</nav></header>
<main>
<h1>${page.title}</h1>
${page.body}
</main>
</body>
</html>
`.value;
  return config.basePath === '' ? document : underBasePath(document, config.basePath);
}

/**
 * The page files write oto's paths as if oto sat at the root (`href="/login"`), and the mount
 * point is applied here, once, so no page has to know where oto is mounted (BASE_PATH, or the
 * library's basePath). Only markup written in oto's templates can match: the html template
 * escapes `"` in every interpolated value, so no value can open an attribute of its own, and a
 * value placed inside an href by a template is oto's own path or a full URL.
 */
const OWN_PATH_ATTRIBUTE = /(\s(?:href|action)=")\/(?![/\\])/g;

export function underBasePath(document: string, basePath: string): string {
  return document.replace(OWN_PATH_ATTRIBUTE, `$1${basePath}/`);
}

export function sendPage(reply: FastifyReply, config: Config, page: Page): FastifyReply {
  return reply
    .status(page.status ?? 200)
    .headers(PAGE_HEADERS)
    .send(renderPage(config, page, Boolean(reply.request.cookies?.[config.sessions.cookieName])));
}

/** sendPage with the config bound, as the page files call it: `page(reply, title, body, status)`. */
export function pageSender(config: Config) {
  return (reply: FastifyReply, title: string, body: SafeHtml, status = 200) =>
    sendPage(reply, config, { title, body, status });
}

/** The options of a page's route: pages are for browsers, not part of the API document (openapi.ts). */
export const PAGE_ROUTE = { schema: { hide: true } };

/**
 * A 303 after a successful form post: the browser follows with a GET, so reloading does not
 * re-post. `path` is one of oto's paths as the page files write them, from oto's root.
 */
export function redirectAfterPost(reply: FastifyReply, config: Config, path: string): FastifyReply {
  return seeOther(reply, `${config.basePath}${path}`);
}

/** The same 303 to a full path on this origin, e.g. a return-to that safeReturnTo accepted. */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.status(303).header('cache-control', 'no-store').header('location', location).send();
}

/** Serves the stylesheet. Registered once, by the pages plugin (pages/index.ts). */
export async function stylesheetRoute(app: FastifyInstance) {
  app.get(STYLESHEET_PATH, { logLevel: 'warn', schema: { hide: true } }, async (_request, reply) =>
    reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(STYLESHEET),
  );
}
