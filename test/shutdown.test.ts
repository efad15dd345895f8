import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEST_API_KEY } from './helpers/app.ts';
import { openSocket, until, waitUntilRefused } from './helpers/instances.ts';
import { NODE_TS } from './helpers/node.ts';
import { createTestDatabase, type TestDatabase } from './helpers/storage.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

interface Server {
  child: ChildProcess;
  port: number;
  output(): string;
  exited: Promise<number | null>;
}

/** `oto serve` in a child process on a free port. */
async function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [...NODE_TS, MAIN, 'serve'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      OTO_API_KEYS: TEST_API_KEY,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const port = await new Promise<number>((resolve, reject) => {
    const check = () => {
      const match = /oto listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) return resolve(Number(match[1]));
      if (child.exitCode !== null) return reject(new Error(`oto serve exited:\n${output}`));
      setTimeout(check, 20);
    };
    check();
  });
  return { child, port, output: () => output, exited };
}

describe('graceful shutdown of oto serve', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase('sqlite');
  });
  after(() => database?.drop());

  test('SIGTERM: stops accepting, finishes the request in flight, closes the database, exits 0', async () => {
    const server = await startServer({ DATABASE_URL: database.url, SHUTDOWN_TIMEOUT: '20s' });
    const body = JSON.stringify({ purpose: 'shutdown.test', subject: 'in-flight' });
    const socket = await openSocket(server.port);
    let response = '';
    socket.setEncoding('utf8').on('data', (chunk) => (response += chunk));
    // Headers with Expect: 100-continue; the server's "100 Continue" proves the request has begun.
    // Then half the body: it cannot finish until the rest arrives.
    socket.write(
      `POST /v1/tokens HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TEST_API_KEY}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        'Expect: 100-continue\r\n\r\n',
    );
    await until(() => response.startsWith('HTTP/1.1 100 Continue'));
    socket.write(body.slice(0, 10));

    server.child.kill('SIGTERM');
    await waitUntilRefused(server.port);
    assert.equal(server.child.exitCode, null, 'still running while a request is in flight');

    socket.write(body.slice(10));
    await once(socket, 'close');
    assert.match(response, /\r\n\r\nHTTP\/1\.1 201 /);
    assert.match(response, /"token":"[A-Za-z0-9_-]{43}"/);

    assert.equal(await server.exited, 0, server.output());
    assert.match(server.output(), /"msg":"shutting down"/);
    assert.match(server.output(), /"clean":true,"msg":"stopped"/);
    // The token was committed before the database closed.
    const rows = await database.storage.db
      .selectFrom('security_tokens')
      .select('subject')
      .where('purpose', '=', 'shutdown.test')
      .execute();
    assert.deepEqual(
      rows.map((row) => row.subject),
      ['in-flight'],
    );
  });

  test('SIGINT on an idle server exits 0', async () => {
    const server = await startServer({ DATABASE_URL: database.url });
    server.child.kill('SIGINT');
    assert.equal(await server.exited, 0, server.output());
  });

  test('a request still running at SHUTDOWN_TIMEOUT is cut off, and the exit code says so', async () => {
    const server = await startServer({ DATABASE_URL: database.url, SHUTDOWN_TIMEOUT: '1s' });
    const socket = await openSocket(server.port);
    socket.on('error', () => {});
    let response = '';
    socket.setEncoding('utf8').on('data', (chunk) => (response += chunk));
    socket.write(
      `POST /v1/tokens HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TEST_API_KEY}\r\n` +
        'Content-Type: application/json\r\n' +
        'Content-Length: 100\r\nExpect: 100-continue\r\n\r\n{',
    );
    await until(() => response.startsWith('HTTP/1.1 100 Continue'));
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 1, server.output());
    assert.match(server.output(), /cutting off/);
    socket.destroy();
  });
});
