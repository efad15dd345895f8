import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { loadConfig } from '../src/config/config.ts';
import { createContext } from '../src/context.ts';
import { type App, buildApp } from '../src/http/app.ts';
import { registeredRoutes } from '../src/http/openapi.ts';
import { createLogger } from '../src/logging.ts';
import { LogCapture, startTestApp, type TestApp } from './helpers/app.ts';
import { createTestDatabase } from './helpers/storage.ts';

const CHROMIUM = '/usr/bin/chromium';

interface Operation {
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

/**
 * Every /v1 route the app registered, checked against the document: present, with its request
 * body (when the route takes one), a success response with a schema, and problem+json errors.
 * Returns what is wrong, one line per problem.
 */
async function undocumented(app: App, document?: Document): Promise<string[]> {
  const doc = document ?? ((await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Document);
  const problems: string[] = [];
  const routes = registeredRoutes(app).filter((r) => r.url.startsWith('/v1/') && r.method !== 'HEAD');
  assert.ok(routes.length > 0, 'the onRoute hook saw no /v1 route');
  for (const { method, url, schema } of routes) {
    const name = `${method} ${url}`;
    const path = url.replace(/:(\w+)/g, '{$1}');
    const operation = doc.paths[path]?.[method.toLowerCase()];
    if (operation === undefined) {
      problems.push(`${name}: missing from the document`);
      continue;
    }
    if (operation.responses['200']?.content?.['text/html'] !== undefined) continue; // a page, not JSON
    const takesBody = (schema as { body?: unknown } | undefined)?.body !== undefined;
    if (takesBody && operation.requestBody?.content['application/json']?.schema === undefined)
      problems.push(`${name}: no request body schema`);
    if (/^(POST|PUT|PATCH)$/.test(method) && !takesBody && url !== '/v1/sessions/current')
      problems.push(`${name}: takes no body schema`);
    const statuses = Object.keys(operation.responses);
    const success = statuses.filter((s) => /^2/.test(s));
    if (success.length === 0) problems.push(`${name}: no success response`);
    for (const status of success) {
      if (
        status !== '204' &&
        operation.responses[status]?.content?.['application/json']?.schema === undefined
      )
        problems.push(`${name}: ${status} has no schema`);
    }
    const errors = statuses.filter((s) => /^[45]/.test(s));
    if (!errors.some((s) => /^4/.test(s))) problems.push(`${name}: no error codes`);
    for (const status of errors) {
      if (operation.responses[status]?.content?.['application/problem+json']?.schema === undefined)
        problems.push(`${name}: ${status} is not a problem+json schema`);
    }
  }
  return problems;
}

describe('OpenAPI document and docs', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite');
  });
  after(() => t?.close());

  test('/openapi.json is an OpenAPI 3 document of every /v1 route, with schemas and error codes', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as Document & { info: { title: string; version: string } };
    assert.match(doc.openapi, /^3\./);
    assert.equal(doc.info.title, 'oto');
    assert.deepEqual(await undocumented(t.app), []);
    // Spot checks of what the check above relies on.
    const consume = doc.paths['/v1/tokens/consume']!['post']!;
    assert.deepEqual(Object.keys(consume.responses).sort(), [
      '200',
      '400',
      '401',
      // A known key without the tokens scope (insufficient_scope).
      '403',
      '410',
      '413',
      '415',
      '422',
      // code_cooldown, for a code whose subject spent its attempt budget.
      '429',
      '503',
    ]);
    const consumeBody = JSON.stringify(consume.requestBody);
    assert.ok(consumeBody.includes('"code"') && consumeBody.includes('"token"'), 'both forms are documented');
    assert.deepEqual(consume.security, [{ apiKey: [] }]);
    assert.deepEqual(doc.paths['/v1/me']!['get']!.security, [{ session: [] }]);
    // The HTML pages and the docs themselves are not part of the API document.
    for (const path of Object.keys(doc.paths)) assert.match(path, /^\/v1\/|^\/healthz$|^\/readyz$/);
  });

  test('the check fails when a /v1 route is missing from the document', async () => {
    const database = await createTestDatabase('sqlite');
    const config = loadConfig({ DATABASE_URL: database.url });
    const ctx = createContext(config, database.storage, createLogger({ destination: new LogCapture() }));
    const app = await buildApp(ctx);
    // Added straight to the root: outside registerOpenApi's reach, as a route added without thought.
    app.post('/v1/bare', async () => ({}));
    try {
      await app.ready();
      const problems = await undocumented(app);
      assert.ok(problems.includes('POST /v1/bare: takes no body schema'), problems.join('\n'));
      assert.ok(problems.includes('POST /v1/bare: no success response'), problems.join('\n'));
      assert.ok(problems.includes('POST /v1/bare: no error codes'), problems.join('\n'));
      // And a route the document lacks altogether.
      const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Document;
      delete doc.paths['/v1/tokens/consume'];
      assert.ok(
        (await undocumented(app, doc)).includes('POST /v1/tokens/consume: missing from the document'),
      );
    } finally {
      await app.close();
      await database.drop();
    }
  });

  test('/docs serves the UI from oto itself, under a CSP that allows this origin only', async () => {
    const index = await t.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(index.statusCode, 200);
    const csp = index.headers['content-security-policy'] as string;
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /https:|swagger\.io|\*/);
    for (const asset of index.body.matchAll(/(?:src|href)="([^"]+)"/g)) {
      assert.doesNotMatch(asset[1]!, /^(https?:)?\/\//, `${asset[1]} is loaded from another origin`);
    }
  });

  test('in a browser, /docs renders the API and requests nothing from another origin', {
    skip: existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM}`,
  }, async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await page.goto(`${address}/docs`);
      await page
        .locator('.opblock-summary-path', { hasText: '/v1/tokens/consume' })
        .first()
        .waitFor({ timeout: 20_000 });
      const origin = new URL(address).origin;
      const foreign = requested.filter((url) => !url.startsWith(origin) && !url.startsWith('data:'));
      assert.deepEqual(foreign, []);
      assert.ok(requested.some((url) => url.endsWith('/docs/json')));
      assert.deepEqual(violations, []);
    } finally {
      await browser.close();
    }
  });
});
