import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.ts';

// The package as a user gets it: `npm pack`, installed from the tarball into an empty folder (not a
// workspace link), with the examples copied beside it, type-checked there and run as processes.

const ROOT = resolve(import.meta.dirname, '..');
const PASSWORD = 'correct horse battery staple';
const API_KEY = `example-key-${randomBytes(16).toString('hex')}`;
const SIGNING_KEYS = `ex:${randomBytes(32).toString('base64url')}`;
const ownPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

let work: string;
let consumer: string;
let tarball: string;
let smtp: TestSmtpServer;

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'oto-pack-'));
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], ROOT)) as Array<{
    filename: string;
  }>;
  tarball = join(work, packed[0]!.filename);
  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  const dependencies = ownPackage.dependencies as Record<string, string>;
  const devDependencies = ownPackage.devDependencies as Record<string, string>;
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: {
        'oto-tokens': `file:${tarball}`,
        fastify: dependencies['fastify'],
        kysely: dependencies['kysely'],
      },
      devDependencies: {
        typescript: devDependencies['typescript'],
        '@types/node': devDependencies['@types/node'],
      },
    }),
  );
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], consumer);
  cpSync(join(ROOT, 'examples'), consumer, { recursive: true });
  smtp = await startSmtpServer();
});

after(async () => {
  await smtp?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((done) => server.once('listening', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

interface Running {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Runs a file of the consumer folder with the Node running the tests, and no flags. */
async function run(args: string[], env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, args, {
    cwd: consumer,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const started = Date.now();
  while (!/listening/.test(output)) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited: ${output}`);
    if (Date.now() - started > 30_000) throw new Error(`${args.join(' ')} did not start: ${output}`);
    await new Promise((done) => setTimeout(done, 50));
  }
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function mailTo(address: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const mail = smtp.messages.find((m) => m.envelope.to.includes(address));
    if (mail) return mail.parsed.text ?? '';
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`no mail to ${address}`);
}

function linkIn(text: string): URL {
  const link = /https?:\/\/\S+[?&]token=[A-Za-z0-9_-]+/.exec(text);
  assert.ok(link, `no link in ${text}`);
  return new URL(link[0]);
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

/** Follows the emailed link as a browser would: the page (GET) changes nothing; its form's POST confirms. */
async function confirmThroughPage(link: URL): Promise<void> {
  const page = await fetch(link);
  assert.equal(page.status, 200);
  const html = await page.text();
  const form = /<form method="post" action="([^"]+)"[\s\S]*?<\/form>/.exec(html);
  assert.ok(form, 'the link page has a form');
  const fields = new URLSearchParams();
  for (const input of form[0].matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g))
    fields.set(input[1]!, input[2]!.replaceAll('&amp;', '&'));
  // Opened in another browser than the one that signed up, the page asks for the password too.
  if (/name="password"/.test(form[0])) fields.set('password', PASSWORD);
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const posted = await fetch(new URL(form[1]!.replaceAll('&amp;', '&'), link), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: link.origin,
      'sec-fetch-site': 'same-origin',
      ...(cookie ? { cookie } : {}),
    },
    body: fields,
    redirect: 'manual',
  });
  assert.ok(posted.status < 400, `confirming answered ${posted.status}`);
}

describe('the npm package, installed from its tarball', () => {
  it('holds the compiled package and nothing of the repository', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    const outside = files.filter(
      (file) => !/^package\/(dist\/|bin\/|docs\/|README\.md$|LICENSE$|package\.json$)/.test(file),
    );
    assert.deepEqual(outside, []);
    assert.ok(files.includes('package/dist/index.js') && files.includes('package/dist/index.d.ts'));
    assert.ok(files.includes('package/dist/client/client.js'));
    assert.equal(files.filter((file) => /\.test\.|\/src\/|\/test\/|\/bench\/|\/data\//.test(file)).length, 0);
    process.stdout.write(
      `# tarball: ${(statSync(tarball).size / 1024).toFixed(0)} kB, ${files.length} files\n`,
    );
  });

  it('type-checks in a strict TypeScript project with moduleResolution nodenext', () => {
    const tsc = join(consumer, 'node_modules', '.bin', 'tsc');
    const result = (() => {
      try {
        return execFileSync(tsc, ['-p', 'tsconfig.json'], { cwd: consumer, encoding: 'utf8' });
      } catch (error) {
        throw new Error(`tsc failed:\n${(error as { stdout?: string }).stdout}`);
      }
    })();
    assert.equal(result.trim(), '');
  });

  it('runs its command on Node without flags', () => {
    const version = execFileSync(
      process.execPath,
      [join(consumer, 'node_modules', 'oto-tokens', 'bin', 'oto.js'), '--version'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(version.trim(), ownPackage.version);
  });

  it('examples/fastify-app: sign up, the email, confirm, log in, reach the protected route', async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const app = await run(['fastify-app/app.ts'], {
      PORT: String(port),
      PUBLIC_URL: origin,
      SMTP_URL: smtp.url,
      DATABASE_URL: join(work, 'notes.db'),
      OTO_SIGNING_KEYS: SIGNING_KEYS,
    });
    try {
      assert.equal((await fetch(`${origin}/notes`)).status, 401);
      const signUp = await fetch(`${origin}/auth/v1/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'nora@example.com', password: PASSWORD }),
      });
      assert.equal(signUp.status, 202);
      const link = linkIn(await mailTo('nora@example.com'));
      assert.equal(link.origin, origin);
      assert.match(link.pathname, /^\/auth\//, 'links in emails follow the mount prefix');
      await confirmThroughPage(link);

      const login = await fetch(`${origin}/auth/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'nora@example.com', password: PASSWORD }),
      });
      assert.equal(login.status, 200);
      const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
      const saved = await fetch(`${origin}/notes`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', origin, 'sec-fetch-site': 'same-origin' },
        body: JSON.stringify({ body: 'buy milk' }),
      });
      assert.equal(saved.status, 201);
      const notes = await fetch(`${origin}/notes`, { headers: { cookie } });
      assert.equal(notes.status, 200);
      assert.deepEqual(await json(notes), {
        email: 'nora@example.com',
        notes: [{ id: 1, body: 'buy milk' }],
      });
    } finally {
      await app.stop();
    }
  });

  it('examples/fetch-handler: the same flow through oto.fetch', async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const app = await run(['fetch-handler/server.ts'], {
      PORT: String(port),
      PUBLIC_URL: origin,
      SMTP_URL: smtp.url,
      DATABASE_URL: join(work, 'fetch.db'),
      OTO_SIGNING_KEYS: SIGNING_KEYS,
    });
    try {
      assert.equal((await fetch(`${origin}/hello`)).status, 401);
      const signUp = await fetch(`${origin}/v1/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'fred@example.com', password: PASSWORD }),
      });
      assert.equal(signUp.status, 202);
      await confirmThroughPage(linkIn(await mailTo('fred@example.com')));
      const login = await fetch(`${origin}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'fred@example.com', password: PASSWORD }),
      });
      assert.equal(login.status, 200);
      const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
      const hello = await fetch(`${origin}/hello`, { headers: { cookie } });
      assert.deepEqual(await json(hello), { hello: 'fred@example.com' });
    } finally {
      await app.stop();
    }
  });

  it('examples/separate-backend: oto as a service, a backend that checks sessions with the typed client', async () => {
    const otoPort = await freePort();
    const backendPort = await freePort();
    const otoOrigin = `http://127.0.0.1:${otoPort}`;
    const service = await run([join('node_modules', 'oto-tokens', 'bin', 'oto.js'), 'serve'], {
      PORT: String(otoPort),
      PUBLIC_URL: otoOrigin,
      SMTP_URL: smtp.url,
      DATABASE_URL: join(work, 'service.db'),
      OTO_SIGNING_KEYS: SIGNING_KEYS,
      OTO_API_KEYS: API_KEY,
      OUTBOX_POLL_INTERVAL: '1s',
    });
    const backend = await run(['separate-backend/backend.ts'], {
      PORT: String(backendPort),
      OTO_URL: otoOrigin,
      OTO_API_KEY: API_KEY,
    });
    try {
      const orders = `http://127.0.0.1:${backendPort}/orders`;
      assert.equal((await fetch(orders)).status, 401);
      const signUp = await fetch(`${otoOrigin}/v1/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'sam@example.com', password: PASSWORD }),
      });
      assert.equal(signUp.status, 202);
      await confirmThroughPage(linkIn(await mailTo('sam@example.com')));
      const login = await fetch(`${otoOrigin}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'sam@example.com', password: PASSWORD }),
      });
      assert.equal(login.status, 200);
      const { sessionToken } = (await json(login)) as { sessionToken: string };
      const mine = await fetch(orders, { headers: { authorization: `Bearer ${sessionToken}` } });
      assert.equal(mine.status, 200);
      assert.deepEqual(await json(mine), { email: 'sam@example.com', orders: [] });
      const forged = await fetch(orders, { headers: { authorization: `Bearer ${'x'.repeat(43)}` } });
      assert.equal(forged.status, 401);
    } finally {
      await backend.stop();
      await service.stop();
    }
  });
});
