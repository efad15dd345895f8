import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import { harness, mailedToken, PASSWORD, PUBLIC_URL } from './helpers/library.ts';
import { DIALECTS } from './helpers/storage.ts';

// oto.fetch behind Hono's Node server (@hono/node-server), as a Hono app on Node serves it and as
// `npm run bench` measures it. That adapter replaces the global Request and Response with lazy
// versions of its own, which oto's bridge reads and builds (src/library/fetch-bridge.ts): real
// HTTP requests go through it here, in a file of their own, so that no other test runs on them.

const API_KEY = 'k'.repeat(32);

type Served = { url: string; close(): Promise<void> };

function served(
  fetch: (request: Request, clientIp: string | undefined) => Promise<Response>,
): Promise<Served> {
  return new Promise((resolve) => {
    const server = serve(
      {
        fetch: (request, bindings: { incoming: { socket: { remoteAddress?: string } } }) =>
          fetch(request, bindings.incoming.socket.remoteAddress),
        port: 0,
        hostname: '127.0.0.1',
      },
      (info: AddressInfo) =>
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          close: () => new Promise((done) => server.close(() => done())),
        }),
    );
  });
}

for (const { dialect, skip } of DIALECTS) {
  describe(`oto.fetch behind @hono/node-server (${dialect})`, { skip }, () => {
    it('signs up, logs in with a form post and opens the account page over real HTTP', async () => {
      const h = await harness(dialect);
      const server = await served((request, clientIp) => h.oto.fetch(request, { clientIp }));
      try {
        const signUp = await fetch(`${server.url}/v1/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'hono@example.com', password: PASSWORD }),
        });
        assert.equal(signUp.status, 202);
        const verified = await fetch(`${server.url}/v1/users/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: await mailedToken(h, 'hono@example.com') }),
        });
        assert.equal(verified.status, 200);

        const login = await fetch(`${server.url}/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL },
          body: new URLSearchParams({ email: 'hono@example.com', password: PASSWORD }).toString(),
        });
        assert.equal(login.status, 303);
        assert.equal(login.headers.get('location'), '/account');
        const session = (login.headers.getSetCookie()[0] ?? '').split(';')[0]!;
        assert.match(session, /^[^=]+=[A-Za-z0-9_-]{43}$/);

        const page = await fetch(`${server.url}/account`, { headers: { cookie: session } });
        assert.equal(page.status, 200);
        assert.match(await page.text(), /hono@example\.com/);
        const head = await fetch(`${server.url}/account`, { method: 'HEAD', headers: { cookie: session } });
        assert.equal(head.status, 200);
        assert.equal((await head.arrayBuffer()).byteLength, 0);
      } finally {
        await server.close();
        await h.close();
      }
    });

    it('answers a token consume twice with one success, and refuses an oversized body with a 413 problem', async () => {
      const h = await harness(dialect, { apiKeys: [API_KEY] });
      const server = await served((request, clientIp) => h.oto.fetch(request, { clientIp }));
      try {
        const api = (path: string, body: object) =>
          fetch(`${server.url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
            body: JSON.stringify(body),
          });
        const issued = await api('/v1/tokens', { purpose: 'download', subject: 'file-1' });
        assert.equal(issued.status, 201);
        const { token } = (await issued.json()) as { token: string };
        const answers = await Promise.all(
          [1, 2].map(() => api('/v1/tokens/consume', { purpose: 'download', token })),
        );
        const statuses = answers.map((answer) => answer.status).sort();
        assert.deepEqual(statuses, [200, 410]);
        const spent = answers.find((answer) => answer.status === 410)!;
        assert.equal(((await spent.json()) as { code: string }).code, 'token_used');

        const big = await fetch(`${server.url}/v1/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'big@example.com', password: 'x'.repeat(100 * 1024) }),
        });
        assert.equal(big.status, 413);
        assert.equal(big.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      } finally {
        await server.close();
        await h.close();
      }
    });
  });
}
