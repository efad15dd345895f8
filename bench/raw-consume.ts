/**
 * The database ceiling: the engine's single consume statement, run straight through the driver
 * (pg with the same pool size as oto, or node:sqlite) by as many concurrent callers as autocannon
 * has connections, in a process of its own. No HTTP, no Kysely, no JSON: what oto's consume could
 * reach if everything above the database cost nothing.
 */
import pg from 'pg';
import { parseDatabaseUrl } from '../src/config/config.ts';
import { openSqliteFile } from '../src/db/sqlite/open.ts';
import { hashToken } from '../src/tokens/secret.ts';
import { percentiles } from './lib/load.ts';
import { openBenchStore } from './lib/seed.ts';

const CONSUME_SQL =
  'update security_tokens set used_at = $1 where token_hash = $2 and purpose = $3 and used_at is null ' +
  'and revoked_at is null and expires_at > $4 returning *';

const env = process.env;
const target = parseDatabaseUrl(env['DATABASE_URL']!);
const connections = Number(env['BENCH_CONNECTIONS']);
const seconds = Number(env['BENCH_DURATION']);
const poolSize = Number(env['DB_POOL_SIZE']);
const supply = Number(env['BENCH_SUPPLY']);

try {
  const store = await openBenchStore(target);
  const tokens = await store.insertTokens(Array.from({ length: supply }, () => ({ purpose: 'raw' })));
  await store.settle();
  await store.close();

  const consume = target.kind === 'postgres' ? postgresConsume(target.url) : sqliteConsume(target.path);
  const latencies = new Float64Array(tokens.length);
  let next = 0;
  let done = 0;
  let failed = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const caller = async () => {
    while (performance.now() < deadline) {
      const token = tokens[next++];
      if (token === undefined) return;
      const begun = performance.now();
      if (!(await consume.run(token))) failed++;
      latencies[done++] = performance.now() - begun;
    }
  };
  await Promise.all(Array.from({ length: connections }, caller));
  const elapsed = (performance.now() - started) / 1000;
  await consume.close();
  process.send?.({
    type: 'result',
    figures: {
      requests: done,
      seconds: Math.round(elapsed * 100) / 100,
      rps: Math.round(done / elapsed),
      ...percentiles(latencies.subarray(0, done)),
      non2xx: failed,
      errors: 0,
      statusCodes: {},
    },
    exhausted: next >= tokens.length,
  });
  process.exit(0);
} catch (error) {
  process.send?.({ type: 'error', error: String(error) });
  process.exit(1);
}

interface RawConsume {
  run(token: string): Promise<boolean>;
  close(): Promise<void>;
}

function postgresConsume(url: string): RawConsume {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  return {
    async run(token) {
      const now = Date.now();
      const result = await pool.query(CONSUME_SQL, [now, hashToken(token), 'raw', now]);
      return result.rowCount === 1;
    },
    close: () => pool.end(),
  };
}

function sqliteConsume(path: string): RawConsume {
  const db = openSqliteFile(path);
  const statement = db.prepare(CONSUME_SQL.replace(/\$\d/g, '?'));
  return {
    // node:sqlite is synchronous: concurrent callers take turns, as they do behind oto's dialect.
    async run(token) {
      const now = Date.now();
      return statement.all(now, hashToken(token), 'raw', now).length === 1;
    },
    async close() {
      db.close();
    },
  };
}
