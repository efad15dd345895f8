import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.ts';
import { DEFAULT_BRAND_COLOR } from '../../config/presentation.ts';
import { html, type SafeHtml } from '../../html.ts';
import { type Locale, type Words, words } from '../../i18n/locales.ts';
import { renderTemplate } from '../../templates/engine.ts';
import { findPageTemplate } from '../../templates/load.ts';
import { pageName } from '../../templates/variables.ts';
import { pageLocale } from '../locale.ts';

/**
 * The frame of every server-rendered page: one small stylesheet served by oto itself, no JavaScript,
 * nothing from another origin. Write page bodies with the `html` tagged template (src/html.ts),
 * which escapes every interpolated value, then hand them to sendPage:
 *
 *   const w = pageWords(config, request);
 *   return sendPage(reply, ctx.config, { title: w.t('logIn.title'), body: html`<form …>…</form>` });
 *
 * Every word comes from the catalogues (src/i18n/), in the request's language (src/http/locale.ts).
 * An operator's file in TEMPLATES_DIR (pages/<name>.html, else layout.html) replaces the document
 * around the body; BRAND_COLOR recolours the stylesheet and BRAND_LOGO_URL's origin joins img-src.
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
const stylesheetPath = (css: string) =>
  `/assets/oto-${createHash('sha256').update(css).digest('hex').slice(0, 12)}.css`;
export const STYLESHEET_PATH = stylesheetPath(STYLESHEET);

/** The stylesheet with BRAND_COLOR as the accent (light mode; dark mode keeps a readable one). */
function stylesheetFor(config: Config): { path: string; css: string } {
  const color = config.presentation.brand.color;
  if (color === DEFAULT_BRAND_COLOR) return { path: STYLESHEET_PATH, css: STYLESHEET };
  const css = STYLESHEET.replace(`--accent:${DEFAULT_BRAND_COLOR}`, `--accent:${color}`);
  return { path: stylesheetPath(css), css };
}

/**
 * default-src 'none' forbids everything not listed: no script at all, no frames, no connections.
 * form-action 'self' keeps a form from being pointed elsewhere by injected markup.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** With BRAND_LOGO_URL, the logo's origin may serve images too; nothing else changes. */
function contentSecurityPolicy(config: Config): string {
  const logo = config.presentation.brand.logoUrl;
  return logo === null
    ? CONTENT_SECURITY_POLICY
    : CONTENT_SECURITY_POLICY.replace("img-src 'self'", `img-src 'self' ${new URL(logo).origin}`);
}

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** Which page it is, by its route (templates/variables.ts): the name of its TEMPLATES_DIR file. */
export interface PageContext {
  locale: Locale;
  name: string;
  /**
   * The presence of a session cookie, not a checked session: it only chooses the links in the
   * header, so a stale cookie shows "Account", which leads to the login page.
   */
  signedIn: boolean;
}

export function renderPage(config: Config, page: Page, at: PageContext): string {
  const w = words(at.locale);
  const { brand, templates } = config.presentation;
  const nav = at.signedIn
    ? html`<a href="/account">${w.t('page.nav.account')}</a>`
    : html`<a href="/login">${w.t('page.nav.logIn')}</a><a href="/signup">${w.t('page.nav.signUp')}</a>`;
  const stylesheet = html`<link rel="stylesheet" href="${stylesheetFor(config).path}">`;
  const override = findPageTemplate(templates, at.locale, at.name);
  const document = override
    ? renderTemplate(
        override,
        {
          title: page.title,
          content: page.body,
          nav,
          stylesheet,
          lang: at.locale,
          locale: at.locale,
          appName: config.appName,
          logoUrl: brand.logoUrl,
          brandColor: brand.color,
          supportEmail: brand.supportEmail,
          legalFooter: brand.legalFooter,
        },
        'html',
      )
    : builtInDocument(config, page, w, nav, stylesheet);
  return config.basePath === '' ? document : underBasePath(document, config.basePath);
}

function builtInDocument(config: Config, page: Page, w: Words, nav: SafeHtml, stylesheet: SafeHtml): string {
  const { brand } = config.presentation;
  const home = brand.logoUrl
    ? html`<img src="${brand.logoUrl}" alt="${config.appName}" height="32">`
    : html`${config.appName}`;
  const footer = [
    brand.supportEmail ? w.t('page.support', { supportEmail: brand.supportEmail }) : '',
    brand.legalFooter ?? '',
  ]
    .filter(Boolean)
    .map((line) => html`<p class="hint">${line}</p>`);
  return html`<!doctype html>
<html lang="${w.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${page.title} · ${config.appName}</title>
${stylesheet}
</head>
<body>
<header><a href="/">${home}</a><nav>${nav}</nav></header>
<main>
<h1>${page.title}</h1>
${page.body}
${footer.length > 0 ? html`<footer>${footer}</footer>` : ''}
</main>
</body>
</html>
`.value;
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
  const { request } = reply;
  return reply
    .status(page.status ?? 200)
    .headers(PAGE_HEADERS)
    .header('content-security-policy', contentSecurityPolicy(config))
    .header('content-language', pageLocale(config, request))
    .send(
      renderPage(config, page, {
        locale: pageLocale(config, request),
        name: pageName(routePath(config, request)),
        signedIn: Boolean(request.cookies?.[config.sessions.cookieName]),
      }),
    );
}

/** The words of the request's language, for a page's handler. */
export function pageWords(config: Config, request: FastifyRequest): Words {
  return words(pageLocale(config, request));
}

/** The route's path as the page files write it, below BASE_PATH (the library's basePath too). */
function routePath(config: Config, request: FastifyRequest): string {
  const url = request.routeOptions.url ?? '/';
  const path =
    config.basePath !== '' && url.startsWith(config.basePath) ? url.slice(config.basePath.length) : url;
  return path === '' ? '/' : path;
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
export async function stylesheetRoute(app: FastifyInstance, { config }: { config: Config }) {
  const { path, css } = stylesheetFor(config);
  app.get(path, { logLevel: 'warn', schema: { hide: true } }, async (_request, reply) =>
    reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(css),
  );
}
