import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.ts';
import { html } from '../../html.ts';
import type { MessageKey } from '../../i18n/catalogue.ts';
import { HttpProblem } from '../problem.ts';
import { notice } from './forms.ts';
import { pageWords, sendPage } from './layout.ts';

/**
 * The error handler of every group of pages: a refused cross-site post, a rate limit or a bad form
 * reads as a page, not as JSON. A 5xx is handed on to the app's handler (503 when the database is
 * away, problem+json otherwise).
 */
export function pageErrorHandler(config: Config) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const status = error instanceof HttpProblem ? error.status : (error.statusCode ?? 500);
    if (status >= 500) throw error;
    if (error instanceof HttpProblem)
      for (const [k, v] of Object.entries(error.headers ?? {})) reply.header(k, v);
    const w = pageWords(config, request);
    // The problem's own words are the API's, in English; a page in another language says its own
    // sentence for the problems a page meets (PAGE_PROBLEMS), else the generic one.
    const english = w.locale === 'en';
    const own = error instanceof HttpProblem ? PAGE_PROBLEMS[error.code] : undefined;
    const title = error instanceof HttpProblem && english ? error.title : w.t(own ?? 'error.generic');
    const detail =
      error instanceof HttpProblem && english && error.message !== error.title ? error.message : '';
    const body = html`${notice('bad', title)}${detail ? html`<p>${detail}</p>` : ''}<p><a href="/">${w.t('error.back')}</a></p>`;
    return sendPage(reply, config, { title: w.t('error.title'), body, status });
  };
}

/** The problems a page's post meets, said in the page's language. */
const PAGE_PROBLEMS: Readonly<Record<string, MessageKey>> = {
  rate_limited: 'error.rateLimited',
  cross_origin: 'error.crossOrigin',
};
