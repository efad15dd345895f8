import type { FastifyReply } from 'fastify';
import type { Config } from '../config/config.ts';
import { html, type SafeHtml } from '../mail/html.ts';

/**
 * The pages that emailed links open (unsubscribe, invitation, change of email). Each is one small
 * server-rendered document with no script and no third-party resource. Token pages are never
 * cached and never send a Referer, which would carry the token to wherever the page links.
 */

const CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export interface FlowPage {
  status?: number;
  title: string;
  body: SafeHtml;
}

export function sendFlowPage(reply: FastifyReply, config: Config, page: FlowPage): FastifyReply {
  return reply
    .status(page.status ?? 200)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', CSP)
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .send(renderFlowPage(config, page).value);
}

function renderFlowPage(config: Config, page: FlowPage): SafeHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · ${config.appName}</title>
<style>body{font-family:system-ui,sans-serif;line-height:1.5;color:#111;max-width:34rem;margin:3rem auto;padding:0 1rem}
button{font:inherit;padding:.6rem 1rem;border:0;border-radius:6px;background:#1f4fd1;color:#fff;cursor:pointer}
label{display:block;margin:.8rem 0 .2rem}input[type=password]{font:inherit;width:100%;padding:.4rem;box-sizing:border-box}
.muted{color:#555;font-size:.9rem}.error{color:#a40000}</style></head>
<body><p><strong>${config.appName}</strong></p>
<h1>${page.title}</h1>
${page.body}
</body></html>`;
}
