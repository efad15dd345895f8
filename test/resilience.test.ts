import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { manualClock } from '../src/clock.ts';
import { loadConfig, parseDatabaseUrl } from '../src/config/config.ts';
import { createContext } from '../src/context.ts';
import { openStorage } from '../src/db/connect.ts';
import type { Storage } from '../src/db/schema.ts';
import { type App, buildApp } from '../src/http/app.ts';
import { createLogger } from '../src/logging.ts';
import { apiHeaders, LogCapture, TEST_API_KEY } from './helpers/app.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from './helpers/storage.ts';

/**
 * The database goes away and comes back. oto reaches PostgreSQL through a TCP proxy that the test
 * can cut (every connection dropped, new ones refused: the server is down as far as oto can tell)
 * and restore, so only this test's app loses its database.
 */
class PostgresProxy {
  readonly #target: { host: string; port: number };
  #server: Server | null = null;
  readonly #sockets = new Set<Socket>();
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.#target.port, this.#target.host);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** Drops every connection and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

const POSTGRES = DIALECTS.find((d) => d.dialect === 'postgres')!;

describe('when PostgreSQL goes away and comes back', { skip: POSTGRES.skip }, () => {
  let database: TestDatabase;
  let proxy: PostgresProxy;
  let storage: Storage;
  let app: App;
  let logs: LogCapture;

  before(async () => {
    database = await createTestDatabase('postgres');
    const direct = new URL(database.url);
    proxy = new PostgresProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    await proxy.start();
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    viaProxy.searchParams.set('application_name', `oto_resilience_${proxy.port}`);
    const config = loadConfig({
      DATABASE_URL: viaProxy.toString(),
      OTO_API_KEYS: TEST_API_KEY,
      DB_POOL_SIZE: '3',
    });
    storage = openStorage(parseDatabaseUrl(viaProxy.toString()), { poolSize: 3 });
    logs = new LogCapture();
    const ctx = createContext(config, storage, createLogger({ destination: logs }), {
      clock: manualClock(Date.now()),
    });
    app = await buildApp(ctx);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await proxy?.cut();
    await storage?.close().catch(() => {});
    await database?.drop();
  });

  const issue = () =>
    app.inject({
      method: 'POST',
      url: '/v1/tokens',
      payload: { purpose: 'outage', subject: 's' },
      headers: apiHeaders,
    });
  const ready = () => app.inject({ method: 'GET', url: '/readyz' });

  function assertUnavailable(response: Awaited<ReturnType<typeof issue>>) {
    assert.equal(response.statusCode, 503, response.body);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.ok(Number(response.headers['retry-after']) > 0);
    assert.match((response.json() as { code: string }).code, /^(service_unavailable|not_ready)$/);
  }

  async function untilServing(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const response = await issue();
      if (response.statusCode === 201) return;
      assertUnavailable(response);
      if (Date.now() > deadline) throw new Error('service did not resume');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  test('while the database is down: 503 problem+json (never 500), /readyz 503; then it resumes alone', async () => {
    assert.equal((await issue()).statusCode, 201);
    assert.equal((await ready()).statusCode, 200);

    await proxy.cut();
    for (let i = 0; i < 3; i++) assertUnavailable(await issue());
    // The warning carries the id the client saw, so an operator can find the request.
    const unavailable = await issue();
    assertUnavailable(unavailable);
    assert.match(
      logs.text(),
      new RegExp(`"reqId":"${unavailable.headers['x-request-id']}".*"database unavailable"`),
    );
    const consume = await app.inject({
      method: 'POST',
      url: '/v1/tokens/consume',
      payload: { purpose: 'outage', token: randomBytes(32).toString('base64url') },
      headers: apiHeaders,
    });
    assertUnavailable(consume);
    const me = await app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${randomBytes(32).toString('base64url')}` },
    });
    assertUnavailable(me);
    assertUnavailable(await ready());
    assert.doesNotMatch(logs.text(), /"level":50/, 'an outage is not logged as an unhandled error');

    await proxy.start();
    await untilServing();
    assert.equal((await ready()).statusCode, 200);
  });

  test('connections killed by the server (pg_terminate_backend) are replaced without a 500', async () => {
    assert.equal((await issue()).statusCode, 201);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const killed = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
        [`oto_resilience_${proxy.port}`],
      );
      assert.ok(killed.rowCount! > 0, 'the app had connections to kill');
    } finally {
      await admin.end();
    }
    for (let i = 0; i < 5; i++) {
      const response = await issue();
      if (response.statusCode !== 201) assertUnavailable(response);
    }
    await untilServing();
  });
});
