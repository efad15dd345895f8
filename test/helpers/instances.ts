import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { NODE_TS } from './node.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

/**
 * Real `oto serve` processes for tests about what only separate processes show: several instances
 * on one database, a crash, a database that goes away.
 */
export interface OtoProcess {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it wrote, as it arrives. */
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL if it is still there after `graceMs`; resolves with how it ended. */
  stop(graceMs?: number): Promise<number | string>;
  /** SIGKILL: a crash, with no chance to clean up. */
  kill(): Promise<number | string>;
}

/** A port nothing listens on right now (the OS picks it; a race with another process is unlikely). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** Starts `node src/cli/main.ts serve` with this environment only (plus PATH), and waits for /healthz. */
export async function startOto(
  env: Record<string, string>,
  options: { port?: number; args?: string[]; readyTimeoutMs?: number } = {},
): Promise<OtoProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [...NODE_TS, MAIN, 'serve', ...(options.args ?? [])], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const instance: OtoProcess = {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    stdout,
    stderr,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
  await waitUntilHealthy(instance, options.readyTimeoutMs ?? 30_000);
  return instance;
}

async function waitUntilHealthy(instance: OtoProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void instance.exited.then(() => {
    gone = true;
  });
  while (Date.now() < deadline) {
    if (gone) {
      throw new Error(
        `oto exited before it was ready:\n${instance.stderr.join('')}${instance.stdout.join('')}`,
      );
    }
    try {
      const response = await fetch(`${instance.url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await instance.kill();
  throw new Error(`oto was not ready within ${timeoutMs} ms:\n${instance.stderr.join('')}`);
}

/** JSON log lines an instance wrote at level warn (40) or above. */
export function warningsOf(instance: OtoProcess): Record<string, unknown>[] {
  return instance.stdout
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => typeof entry['level'] === 'number' && entry['level'] >= 40);
}

/**
 * A new, empty schema on the test PostgreSQL server (nothing migrated), for tests about start-up.
 * Its URL selects it through search_path, as test/helpers/storage.ts does.
 */
export async function createEmptySchema(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `oto_test_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create schema ${schema}`);
  const url = new URL(serverUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), drop: () => admin(`drop schema if exists ${schema} cascade`) };
}

/** A raw TCP connection to a local port, for requests written by hand (a half-sent body, say). */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Resolves once nothing accepts connections on the port any more. */
export async function waitUntilRefused(port: number): Promise<void> {
  for (;;) {
    try {
      const socket = await openSocket(port);
      socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 20));
    } catch (error) {
      assert.equal((error as NodeJS.ErrnoException).code, 'ECONNREFUSED');
      return;
    }
  }
}
