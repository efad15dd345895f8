import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/config.ts';
import type { Context } from '../context.ts';
import { isLocale, type Locale, supportedLocale } from '../i18n/locales.ts';
import { negotiateLocale } from '../i18n/negotiate.ts';
import { authenticate } from './session-auth.ts';

/**
 * Which language a request is answered in. A page: the signed-in user's language, else the
 * browser's (Accept-Language), else DEFAULT_LOCALE. Decided once per request, before the handler
 * (pages/index.ts), so that rendering a page stays synchronous.
 */

const decided = new WeakMap<FastifyRequest, Locale>();

export async function decidePageLocale(ctx: Context, request: FastifyRequest): Promise<void> {
  // Only a request with a session cookie is looked up: the session is cached for the handler.
  const signedIn = request.cookies?.[ctx.config.sessions.cookieName] !== undefined;
  const own = signedIn ? (await authenticate(ctx, request))?.user.locale : null;
  decided.set(request, isLocale(own) ? own : browserLocale(ctx.config, request));
}

/** The language decided for the request, or (for an error before the handler ran) the browser's. */
export function pageLocale(config: Config, request: FastifyRequest): Locale {
  return decided.get(request) ?? browserLocale(config, request);
}

export function browserLocale(config: Config, request: FastifyRequest): Locale {
  return browserChoice(config, request) ?? config.presentation.defaultLocale;
}

/** The language Accept-Language asks for among those oto speaks, or null. */
function browserChoice(config: Config, request: FastifyRequest): Locale | null {
  const header = request.headers['accept-language'];
  return negotiateLocale(typeof header === 'string' ? header : undefined, config.presentation.defaultLocale);
}

/**
 * The language a sign-up stores: the one asked for, else the browser's if oto speaks it, else
 * none (null: DEFAULT_LOCALE). undefined: an explicit choice oto does not speak.
 */
export function signUpLocale(
  config: Config,
  request: FastifyRequest,
  explicit: string | undefined,
): Locale | null | undefined {
  if (explicit !== undefined && explicit !== '') return supportedLocale(explicit);
  return browserChoice(config, request);
}
