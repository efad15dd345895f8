import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import type { OtoOptions } from '../src/index.ts';
import { MAX_BUFFERED_BODY, type Routing, routeRequest } from '../src/library/fetch-bridge.ts';
import { contextOf } from '../src/library/oto.ts';
import {
  type Harness,
  harness as libraryHarness,
  PASSWORD,
  PUBLIC_URL,
  verifiedUser,
} from './helpers/library.ts';
import { DIALECTS } from './helpers/storage.ts';

// oto.fetch hands a web Request to the service's Fastify application through a bridge of its own
// (src/library/fetch-bridge.ts): what a Bun, Deno or Hono app sees of it.

const FORM = { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL };

describe('the bridge from a Request to Fastify', () => {
  async function bridged(): Promise<{ routing: Routing; close(): Promise<void> }> {
    const app = Fastify();
    app.get('/two-cookies', async (_request, reply) => {
      reply.header('set-cookie', ['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
      return { ok: true };
    });
    app.delete('/thing', async (_request, reply) => reply.status(204).send());
    app.get('/not-modified', async (_request, reply) => reply.status(304).send('ignored'));
    app.get('/streamed', async (_request, reply) =>
      reply.type('text/plain').send(Readable.from(['one ', 'two ', 'three'])),
    );
    app.post('/echo', async (request) => ({ body: request.body, ip: request.ip, url: request.url }));
    await app.ready();
    return { routing: app.routing as Routing, close: () => app.close() };
  }

  it('keeps two Set-Cookie headers apart, and answers HEAD, 204 and 304 without a body', async () => {
    const { routing, close } = await bridged();
    try {
      const cookies = await routeRequest(routing, new Request('http://x.test/two-cookies'), '10.0.0.1');
      assert.deepEqual(cookies.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
      assert.deepEqual(await cookies.json(), { ok: true });

      const head = await routeRequest(
        routing,
        new Request('http://x.test/two-cookies', { method: 'HEAD' }),
        '10.0.0.1',
      );
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(head.body, null);

      const gone = await routeRequest(
        routing,
        new Request('http://x.test/thing', { method: 'DELETE' }),
        '10.0.0.1',
      );
      assert.equal(gone.status, 204);
      assert.equal(gone.body, null);
      const streamed = await routeRequest(routing, new Request('http://x.test/streamed'), '10.0.0.1');
      assert.equal(await streamed.text(), 'one two three');
      const same = await routeRequest(routing, new Request('http://x.test/not-modified'), '10.0.0.1');
      assert.equal(same.status, 304);
      assert.equal(same.body, null);
    } finally {
      await close();
    }
  });

  it('hands over the body, the path without its fragment, and the client address', async () => {
    const { routing, close } = await bridged();
    try {
      const request = new Request('http://x.test/echo?a=1#not-sent', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ word: 'héllo' }),
      });
      const answer = await routeRequest(routing, request, '192.0.2.44');
      assert.deepEqual(await answer.json(), { body: { word: 'héllo' }, ip: '192.0.2.44', url: '/echo?a=1' });

      // With its length declared, as a server's Request carries it: read whole, then handed over.
      const sized = await routeRequest(
        routing,
        new Request('http://x.test/echo', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': '16' },
          body: '{"word":"sized"}',
        }),
        '192.0.2.44',
      );
      assert.deepEqual(((await sized.json()) as { body: unknown }).body, { word: 'sized' });

      // A streamed body of unknown length, read in chunks.
      const chunks = ['{"word":', '"streamed"}'];
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(next));
        },
      });
      const streamed = await routeRequest(
        routing,
        new Request('http://x.test/echo', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: stream,
          duplex: 'half',
        } as RequestInit),
        '192.0.2.44',
      );
      assert.deepEqual(((await streamed.json()) as { body: unknown }).body, { word: 'streamed' });
    } finally {
      await close();
    }
  });
});

// A per-IP limit of 3 a minute, which the limit test reaches in four requests.
const harness = (dialect: 'sqlite' | 'postgres', options: OtoOptions = {}) =>
  libraryHarness(dialect, { rateLimitPerMinute: 3, ...options });

const logIn = (h: Harness, email: string, password: string, clientIp: string) =>
  h.oto.fetch(
    new Request(`${PUBLIC_URL}/login`, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ email, password }).toString(),
    }),
    { clientIp },
  );

/** A sign-up whose body comes as a stream of unknown length, as a runtime hands an upload over. */
const signUpStreaming = (body: ReadableStream<Uint8Array>) =>
  new Request(`${PUBLIC_URL}/v1/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    duplex: 'half',
  } as RequestInit);

for (const { dialect, skip } of DIALECTS) {
  describe(`oto.fetch (${dialect})`, { skip }, () => {
    it('logs in from a form post: a redirect with its Location and cookie, the audit keeps the client IP', async () => {
      const h = await harness(dialect);
      try {
        await verifiedUser(h, 'form@example.com');
        const answer = await logIn(h, 'form@example.com', PASSWORD, '198.51.100.23');
        assert.equal(answer.status, 303);
        assert.equal(answer.headers.get('location'), '/account');
        const [cookie] = answer.headers.getSetCookie();
        assert.match(cookie ?? '', /^[^=]+=[A-Za-z0-9_-]{43}; /);

        const rows = await contextOf(h.oto)
          .db.selectFrom('audit_events')
          .select(['ip'])
          .where('event', '=', 'login.succeeded')
          .execute();
        assert.deepEqual(
          rows.map((row) => row.ip),
          ['198.51.100.23'],
        );

        // The session cookie works on the next request, and a HEAD of the page has no body.
        const session = (cookie ?? '').split(';')[0]!;
        const page = await h.oto.fetch(
          new Request(`${PUBLIC_URL}/account`, { headers: { cookie: session } }),
        );
        assert.equal(page.status, 200);
        assert.match(await page.text(), /form@example\.com/);
        const head = await h.oto.fetch(
          new Request(`${PUBLIC_URL}/account`, { method: 'HEAD', headers: { cookie: session } }),
        );
        assert.equal(head.status, 200);
        assert.match(head.headers.get('content-type') ?? '', /^text\/html/);
        assert.equal(head.body, null);

        // A file the API's documentation serves, which Fastify pipes in as a stream.
        const script = await h.oto.fetch(new Request(`${PUBLIC_URL}/docs/static/swagger-ui-bundle.js`));
        assert.equal(script.status, 200);
        assert.ok((await script.text()).length > 100_000);
      } finally {
        await h.close();
      }
    });

    it('counts the per-IP limit by clientIp, not by the process', async () => {
      const h = await harness(dialect);
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++)
          statuses.push((await logIn(h, 'nobody@example.com', 'wrong password', '203.0.113.5')).status);
        assert.deepEqual(statuses, [401, 401, 401, 429]);
        const limited = await logIn(h, 'nobody@example.com', 'wrong password', '203.0.113.5');
        assert.equal(limited.status, 429);
        // Another address has a limit of its own.
        assert.equal((await logIn(h, 'nobody@example.com', 'wrong password', '203.0.113.6')).status, 401);
      } finally {
        await h.close();
      }
    });

    it('refuses a body over the limit with a 413 problem, whether or not its length is declared', async () => {
      const h = await harness(dialect);
      try {
        const big = JSON.stringify({ email: 'big@example.com', password: 'x'.repeat(100 * 1024) });
        const declared = await h.oto.fetch(
          new Request(`${PUBLIC_URL}/v1/users`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: big,
          }),
        );
        assert.equal(declared.status, 413);
        assert.equal(declared.headers.get('content-type'), 'application/problem+json; charset=utf-8');
        assert.equal(((await declared.json()) as { status: number }).status, 413);

        // Streamed, past what the bridge buffers at all: it stops reading, and still answers 413.
        let sentBytes = 0;
        const endless = new ReadableStream<Uint8Array>({
          pull(controller) {
            sentBytes += 64 * 1024;
            controller.enqueue(new Uint8Array(64 * 1024).fill(32));
          },
        });
        const streamed = await h.oto.fetch(signUpStreaming(endless));
        assert.equal(streamed.status, 413);
        assert.equal(((await streamed.json()) as { status: number }).status, 413);
        assert.ok(
          sentBytes <= MAX_BUFFERED_BODY + 3 * 64 * 1024,
          `read ${sentBytes} bytes of an endless body`,
        );
        assert.equal(
          await h.oto.signUp({ email: 'still@example.com', password: PASSWORD }).then((r) => r.ok),
          true,
        );

        // A length that understates the body does not get it past the limit.
        const understated = await h.oto.fetch(
          new Request(`${PUBLIC_URL}/v1/users`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': '10' },
            body: 'x'.repeat(MAX_BUFFERED_BODY + 1),
          }),
          { clientIp: '192.0.2.10' },
        );
        assert.equal(understated.status, 413);

        // A body that breaks off midway is the client's fault: a 400 problem, not a 500.
        const breaking = () => {
          let pulls = 0;
          return new ReadableStream<Uint8Array>({
            pull(controller) {
              if (pulls++ === 0) controller.enqueue(new TextEncoder().encode('{"email":'));
              else controller.error(new Error('connection reset'));
            },
          });
        };
        const cut = await h.oto.fetch(signUpStreaming(breaking()));
        assert.equal(cut.status, 400);
        assert.equal(cut.headers.get('content-type'), 'application/problem+json; charset=utf-8');
        // The same with its length declared.
        const declaredCut = await h.oto.fetch(
          new Request(`${PUBLIC_URL}/v1/users`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': '40' },
            body: breaking(),
            duplex: 'half',
          } as RequestInit),
          { clientIp: '192.0.2.11' },
        );
        assert.equal(declaredCut.status, 400);
      } finally {
        await h.close();
      }
    });

    it('logs out through the API with a 204 and no body, clearing the cookie', async () => {
      const h = await harness(dialect);
      try {
        await verifiedUser(h, 'out@example.com');
        const login = await h.oto.logIn({ email: 'out@example.com', password: PASSWORD });
        assert.ok(login.ok);
        const out = await h.oto.fetch(
          new Request(`${PUBLIC_URL}/v1/sessions/current`, {
            method: 'DELETE',
            headers: { authorization: `Bearer ${login.sessionToken}` },
          }),
        );
        assert.equal(out.status, 204);
        assert.equal(out.body, null);
        assert.match(out.headers.getSetCookie()[0] ?? '', /Expires=Thu, 01 Jan 1970/);
        assert.equal(await h.oto.sessions.lookup(login.sessionToken), null);
      } finally {
        await h.close();
      }
    });

    it('serves under the base path only, and answers elsewhere with a 404 problem', async () => {
      const h = await harness(dialect, { basePath: '/auth' });
      try {
        const ready = await h.oto.fetch(new Request(`${PUBLIC_URL}/auth/readyz`));
        assert.equal(ready.status, 200);
        const page = await h.oto.fetch(new Request(`${PUBLIC_URL}/auth/login`));
        assert.equal(page.status, 200);
        assert.match(await page.text(), /action="\/auth\/login"/);
        const outside = await h.oto.fetch(new Request(`${PUBLIC_URL}/readyz`));
        assert.equal(outside.status, 404);
        assert.equal(outside.headers.get('content-type'), 'application/problem+json; charset=utf-8');
        assert.equal(((await outside.json()) as { code: string }).code, 'not_found');

        // Fastify's onResponse hooks ran for each of them: the request metrics counted them.
        const metrics = await (await h.oto.fetch(new Request(`${PUBLIC_URL}/auth/metrics`))).text();
        assert.match(
          metrics,
          /oto_http_request_duration_seconds_count\{method="GET",route="\/auth\/login",status_code="200"\} 1\n/,
        );
        assert.match(
          metrics,
          /oto_http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1\n/,
        );
      } finally {
        await h.close();
      }
    });
  });
}
