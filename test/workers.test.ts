import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { type Context, createContext } from '../src/context.ts';
import { openStorage } from '../src/db/connect.ts';
import { createLogger } from '../src/logging.ts';
import { queueMail } from '../src/mail/queue.ts';
import { insertUser } from './helpers/accounts.ts';
import { PUBLIC_URL, TEST_API_KEY } from './helpers/app.ts';
import { oto } from './helpers/cli.ts';
import { KEY_A } from './helpers/flows.ts';
import {
  createEmptySchema,
  type OtoProcess,
  openSocket,
  startOto,
  until,
  waitUntilRefused,
} from './helpers/instances.ts';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.ts';

/**
 * `oto serve --workers 2` as a real process on PostgreSQL: a cluster primary and two HTTP workers
 * sharing one port. Each request goes out on a connection of its own (no keep-alive), since the
 * primary hands out connections, not requests.
 */

const POSTGRES_URL = process.env['TEST_DATABASE_URL'];

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

describe('oto serve --workers 2 on PostgreSQL', {
  skip: POSTGRES_URL ? false : 'needs PostgreSQL: set TEST_DATABASE_URL',
}, () => {
  let schema: { url: string; drop(): Promise<void> };
  let smtp: TestSmtpServer;
  let server: OtoProcess;
  let ctx: Context;

  before(async () => {
    schema = await createEmptySchema(POSTGRES_URL!);
    smtp = await startSmtpServer();
    const env = {
      DATABASE_URL: schema.url,
      PUBLIC_URL,
      OTO_API_KEYS: TEST_API_KEY,
      OTO_SIGNING_KEYS: KEY_A,
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'info',
      DB_POOL_SIZE: '4',
      SHUTDOWN_TIMEOUT: '20s',
    };
    server = await startOto(env, { args: ['--workers', '2'] });
    await until(() => server.stdout.join('').includes('oto listening'));
    const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
    ctx = createContext(
      config,
      openStorage(config.database, { poolSize: 2 }),
      createLogger({ level: 'silent' }),
    );
  });

  after(async () => {
    await server?.kill();
    await ctx?.storage.close();
    await smtp?.close();
    await schema?.drop();
  });

  test('requests are answered by two worker processes, neither of them the primary', async () => {
    for (let i = 0; i < 10; i++)
      await post('/v1/tokens/inspect', { purpose: 'workers', token: 'x'.repeat(43) });
    // Log lines reach stdout in batches, a quarter of a second apart at most.
    await until(() => requestLines('/v1/tokens/inspect').length === 10);
    const pids = new Set(requestLines('/v1/tokens/inspect').map((line) => line['pid']));
    assert.equal(pids.size, 2, `pids: ${[...pids].join(', ')}`);
    assert.ok(!pids.has(server.child.pid));
    // Without Redis, each worker counts per-IP limits on its own, and the primary says so.
    assert.ok(logLines().some((line) => line['level'] === 40 && /REDIS_URL/.test(String(line['msg']))));
    // The background worker runs in one of them only.
    const started = logLines().filter((line) => line['msg'] === 'oto is listening' && 'database' in line);
    assert.deepEqual(started.map((line) => line['worker']).sort(), [false, true]);
  });

  test('40 parallel consumes of one token across both workers: exactly one succeeds', async () => {
    const issued = await post('/v1/tokens', { purpose: 'workers', subject: 'race' });
    const token = String(issued.body['token']);
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => post('/v1/tokens/consume', { purpose: 'workers', token })),
    );
    const statuses = answers.map((answer) => answer.status);
    assert.equal(statuses.filter((s) => s === 200).length, 1, `statuses: ${statuses.join(',')}`);
    assert.deepEqual(
      answers.filter((a) => a.status !== 200).map((a) => a.body['code']),
      Array(39).fill('token_used'),
    );
    await until(() => requestLines('/v1/tokens/consume').length === 40);
    const servedBy = new Set(requestLines('/v1/tokens/consume').map((line) => line['pid']));
    assert.equal(servedBy.size, 2, 'both workers answered consumes');
  });

  test('two parallel reset requests: only the newer link works', async () => {
    await insertUser(ctx, 'twice@example.com', { verified: true });
    smtp.clear();
    const requests = await Promise.all(
      [1, 2].map(() => post('/v1/password-resets', { email: 'twice@example.com' })),
    );
    assert.deepEqual(
      requests.map((r) => r.status),
      [202, 202],
    );
    const mails = await smtp.waitForMessages(2, 20_000);
    const tokens = mails.map((mail) => /[?&]token=([A-Za-z0-9_-]{43})/.exec(mail.parsed.text ?? '')?.[1]);
    assert.equal(new Set(tokens).size, 2, 'two different links');
    const answers = [];
    for (const token of tokens) {
      answers.push(
        await post('/v1/password-resets/confirm', { token, password: 'a new long passphrase 42' }),
      );
    }
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 410]);
    assert.equal(answers.find((a) => a.status === 410)?.body['code'], 'token_superseded');
  });

  test('the outbox sends each of 200 messages once', async () => {
    smtp.clear();
    const recipients = Array.from({ length: 200 }, (_, i) => `bulk-${i}@example.com`);
    await ctx.db.transaction().execute(async (trx) => {
      for (const to of recipients) {
        await queueMail(ctx, trx, 'password_changed', to, { resetLink: `${PUBLIC_URL}/forgot-password` });
      }
    });
    await until(() => smtp.messages.filter((m) => m.envelope.to[0]?.startsWith('bulk-')).length >= 200);
    // A duplicate, if any, would come right behind: give it two dispatcher polls.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const wanted = new Set(recipients);
    const received = smtp.messages.flatMap((message) => message.envelope.to).filter((to) => wanted.has(to));
    assert.equal(received.length, 200);
    assert.equal(new Set(received).size, 200);
  });

  test('a worker that dies is replaced, after a back-off, and the service goes on', async () => {
    const before = new Set(requestLines('/v1/tokens/inspect').map((line) => Number(line['pid'])));
    const victim = [...before][0]!;
    process.kill(victim, 'SIGKILL');
    await until(() => logLines().some((line) => line['msg'] === 'worker died: restarting it'));
    const died = logLines().find((line) => line['msg'] === 'worker died: restarting it')!;
    assert.equal(died['workerPid'], victim);
    assert.equal(died['signal'], 'SIGKILL');
    assert.equal(died['restartInMs'], 1000);
    // Meanwhile the other worker answers everything; then the new one takes its turns.
    const newcomers = () =>
      requestLines('/v1/tokens/inspect').filter((line) => !before.has(Number(line['pid']))).length;
    for (let i = 0; i < 100 && newcomers() === 0; i++) {
      assert.equal(
        (await post('/v1/tokens/inspect', { purpose: 'workers', token: 'y'.repeat(43) })).status,
        200,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(newcomers() > 0, 'a new worker answers');
  });

  test('SIGTERM to the primary: the request in flight completes, every worker stops, exit 0', async () => {
    const body = JSON.stringify({ purpose: 'workers.shutdown', subject: 'in-flight' });
    const socket = await openSocket(server.port);
    let response = '';
    socket.setEncoding('utf8').on('data', (chunk) => (response += chunk));
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
    assert.equal(await server.exited, 0, server.stdout.join(''));
    const stopped = logLines().filter((line) => line['msg'] === 'stopped');
    assert.equal(stopped.length, 3, 'two workers and the primary');
    assert.ok(stopped.every((line) => line['clean'] === true));
  });

  function logLines(): Record<string, unknown>[] {
    return server.stdout
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  function requestLines(route: string): Record<string, unknown>[] {
    return logLines().filter((line) => line['msg'] === 'request' && line['route'] === route);
  }

  /** One POST on a fresh connection, so that the primary picks a worker for it. */
  function post(path: string, payload: unknown): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const outgoing = request(`${server.url}${path}`, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      });
      outgoing.on('error', reject);
      outgoing.on('response', (incoming) => {
        let text = '';
        incoming.setEncoding('utf8').on('data', (chunk) => (text += chunk));
        incoming.on('end', () =>
          resolve({ status: incoming.statusCode ?? 0, body: JSON.parse(text || '{}') }),
        );
      });
      outgoing.end(JSON.stringify(payload));
    });
  }
});

test('oto serve --workers 2 on SQLite refuses to start, and says why', async () => {
  const run = await oto(['serve', '--workers', '2'], { DATABASE_URL: 'sqlite::memory:', PORT: '0' });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^oto: --workers 2 \(WEB_CONCURRENCY\) needs PostgreSQL: SQLite has one writer/);
});

test('--workers and WEB_CONCURRENCY take a number or auto, and refuse anything else', async () => {
  const bad = await oto(['serve', '--workers', '0'], { DATABASE_URL: 'sqlite::memory:' });
  assert.equal(bad.status, 1);
  assert.match(
    bad.stderr,
    /configuration error: --workers: must be auto or a whole number from 1 to 256, got "0"/,
  );
  const env = await oto(['serve'], { DATABASE_URL: 'sqlite::memory:', WEB_CONCURRENCY: 'many' });
  assert.match(env.stderr, /WEB_CONCURRENCY: must be auto or a whole number/);
  assert.equal(loadConfig({ WEB_CONCURRENCY: 'auto' }).httpWorkers >= 1, true);
  assert.equal(loadConfig({}).httpWorkers, 1);
});

test('a worker that cannot start stops the whole instance with exit code 1, instead of restarting', async () => {
  // Nothing listens on port 9 of this host: each worker's first connection is refused.
  const run = await oto(['serve', '--workers', '2'], {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none',
    OTO_SIGNING_KEYS: KEY_A,
    PORT: '0',
  });
  assert.equal(run.status, 1);
  assert.match(run.stdout, /"msg":"worker failed to start"/);
  assert.doesNotMatch(run.stdout, /restarting it/);
});
