import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './instances.ts';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the test's own, in a temporary directory on a spare port, so a test can
 * stop and crash it without touching the shared server. initdb refuses to run as root, so as root
 * the server runs as the `postgres` OS user.
 */
export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly port: number;
  /** `pg_ctl stop`: fast (clients disconnected, clean shutdown) or immediate (a crash). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

/** The reason private servers cannot run here, or null when they can. */
export function privatePostgresUnavailable(): string | null {
  if (binDir() === null) return 'needs initdb and pg_ctl under /usr/lib/postgresql/*/bin';
  if (process.getuid?.() === 0 && postgresUser() === null)
    return 'running as root needs a "postgres" OS user';
  return null;
}

function binDir(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = join(base, version, 'bin');
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  return null;
}

function postgresUser(): { uid: number; gid: number } | null {
  try {
    // Synchronous: only at set-up, to decide whether to skip.
    const passwd = execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' }).split(':');
    return { uid: Number(passwd[2]), gid: Number(passwd[3]) };
  } catch {
    return null;
  }
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  if (bin === null) throw new Error('initdb and pg_ctl not found');
  const root = mkdtempSync(join(tmpdir(), 'oto-pg-'));
  const data = join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const owner = postgresUser();
    if (owner === null) throw new Error('no postgres OS user');
    chownSync(root, owner.uid, owner.gid);
  }
  const as = (command: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args])
      : run(join(bin, command), args);
  const port = await freePort();
  await as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c max_connections=50`;
  const ctl = (args: string[]) => as('pg_ctl', ['-D', data, '-l', join(root, 'log'), ...args]);
  const server: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop(mode) {
      await ctl(['-m', mode, '-w', 'stop']);
    },
    async start() {
      await ctl(['-o', options, '-w', '-t', '30', 'start']);
      await waitForConnections(server.url);
    },
    async destroy() {
      await ctl(['-m', 'immediate', '-w', 'stop']).catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

async function waitForConnections(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => {});
    }
  }
  throw new Error(`PostgreSQL at ${url} did not accept connections`);
}
