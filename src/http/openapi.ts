import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import type { Config } from '../config/config.ts';
import { problemSchema } from './problem.ts';

/**
 * The OpenAPI 3 document, generated from the route schemas (@fastify/swagger), at /openapi.json,
 * and a browsable UI at /docs (@fastify/swagger-ui, whose scripts, styles and images are served by
 * oto itself, under a CSP that allows only this origin: the docs page loads nothing from elsewhere).
 *
 * Register it before the routes: it collects them as they are added; docsRoutes serves it. The
 * document holds the JSON API (/v1) and the health checks; the HTML pages are for browsers, not for
 * API clients.
 */
export async function registerOpenApi(app: FastifyInstance, config: Config): Promise<void> {
  const routes: RegisteredRoute[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, schema: route.schema });
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: config.appName === 'oto' ? 'oto' : `${config.appName} (oto)`,
        version: packageVersion(),
        description:
          'One-time security tokens for email links. Errors are application/problem+json with a ' +
          'stable `code`; token errors are always one of token_invalid (400), token_used, ' +
          'token_expired and token_revoked (410).',
      },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'A key from OTO_API_KEYS, for server-to-server calls.',
          },
          session: {
            type: 'http',
            scheme: 'bearer',
            description: `A session token: the ${config.sessions.cookieName} cookie, or the same value as a bearer token.`,
          },
        },
      },
    },
    transform: ({ schema, url }) => ({
      schema: documented(schema as RouteSchema, withoutBasePath(url, config.basePath)) as FastifySchema,
      url,
    }),
  });
}

/**
 * The document at /openapi.json and the browsable UI at /docs. Registered with the routes, after
 * registerOpenApi (plugin.ts).
 */
export async function docsRoutes(app: FastifyInstance) {
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // Stricter than the plugin's default, which also allows https: styles and fonts and the
    // swagger.io validator badge: everything the page uses is served from here. The UI sets
    // inline styles on its elements, hence 'unsafe-inline' for styles (never for scripts).
    staticCSP:
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
      "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    uiConfig: { deepLinking: true, defaultModelsExpandDepth: 0 },
  });

  app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'no-cache').send(app.swagger()),
  );
}

export interface RegisteredRoute {
  method: string;
  url: string;
  schema: FastifySchema | undefined;
}

const ROUTES = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route added to the app after registerOpenApi, as the onRoute hook saw it. */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return ROUTES.get(app) ?? [];
}

const ALWAYS_DOCUMENTED = new Set(['/healthz', '/readyz']);

type RouteSchema = Omit<FastifySchema, 'response' | 'security'> & {
  hide?: boolean;
  security?: readonly unknown[];
  response?: Record<string, unknown>;
};

/** The route's path as oto's modules name it, from oto's root: '/v1/…' whatever BASE_PATH is. */
function withoutBasePath(url: string, basePath: string): string {
  return basePath !== '' && url.startsWith(`${basePath}/`) ? url.slice(basePath.length) : url;
}

/**
 * What every /v1 route may answer besides its own codes: 503 while the database is unreachable,
 * and, with a body, 413 and 415; behind an API key, 403. A route that answers 401 without naming a security scheme is
 * authenticated by the session (requireSession).
 */
function documented(schema: RouteSchema | undefined, url: string): RouteSchema {
  const own: RouteSchema = schema ?? {};
  if (!url.startsWith('/v1/')) return ALWAYS_DOCUMENTED.has(url) ? own : { ...own, hide: true };
  if (own.hide) return htmlPage(own);
  const response: Record<string, unknown> = { ...(own.response ?? {}), 503: problemSchema };
  if (own.body !== undefined) Object.assign(response, { 413: problemSchema, 415: problemSchema });
  // A known API key without the route group's scope is refused 403 insufficient_scope (api-key.ts).
  if (own.security?.some((scheme) => typeof scheme === 'object' && scheme !== null && 'apiKey' in scheme))
    response['403'] ??= problemSchema;
  for (const [status, schema] of Object.entries(response)) {
    if (Number(status) >= 400) response[status] = problem(Number(status), schema);
  }
  const session = own.security === undefined && '401' in response;
  return { ...own, response, ...(session ? { security: [{ session: [] }] } : {}) };
}

/**
 * A /v1 route that its module hid is an HTML page (the landing page of an old link shape, say):
 * it is still part of the /v1 surface, so the document lists it, as a page.
 */
function htmlPage(own: RouteSchema): RouteSchema {
  return {
    ...own,
    hide: false,
    summary: own.summary ?? 'An HTML page for browsers: the landing page of an emailed link',
    description:
      own.description ??
      'Shows a page whose button posts the token; opening it changes nothing (email scanners prefetch links).',
    response: { 200: { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } } },
  };
}

/** Errors are served as application/problem+json; the document says so. */
function problem(status: number, schema: unknown) {
  return {
    description: `${STATUS_CODES[status] ?? 'Error'}: a problem+json body whose \`code\` names the error.`,
    content: { 'application/problem+json': { schema } },
  };
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}
