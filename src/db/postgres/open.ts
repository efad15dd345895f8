import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { ping } from '../ping.ts';
import type { Database, Storage } from '../schema.ts';
import { useNamedStatements } from './statements.ts';

// Epoch-millisecond columns are bigint; they fit a JavaScript number, so parse them as one.
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

export interface PoolSettings {
  poolSize: number;
  /**
   * The longest wait for a connection, whether every pooled one is busy or a new one is slow to
   * open: a saturated pool or a dead database must give a quick 503, not a request that hangs.
   */
  timeoutMs: number;
  schema?: string | undefined;
}

export function openPostgres(url: string, settings: PoolSettings): Storage {
  const pool = new pg.Pool({
    ...connection(url, settings.schema),
    max: settings.poolSize,
    types: pgTypes as pg.CustomTypesConfig,
    connectionTimeoutMillis: settings.timeoutMs,
    idleTimeoutMillis: 30_000,
  });
  // A client whose server went away emits 'error'; without a listener that kills the process. The
  // pool listens to its idle clients only, so each client gets a listener of its own as well, for
  // the moment it is checked out between two queries. The failure still reaches the query that
  // meets it (as a 503), and the pool drops the broken client when it is released.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
    useNamedStatements(client);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    ping: () => ping(db),
    close: () => db.destroy(),
  };
}

/**
 * With `schema`, every connection starts with it as its search_path, so oto's unqualified table
 * names find its own tables and never the app's. Startup options in the URL (?options=…) are kept,
 * with the search_path after them: pg would let the URL's options replace the pool's.
 */
function connection(url: string, schema: string | undefined): { connectionString: string; options?: string } {
  if (schema === undefined) return { connectionString: url };
  const parsed = new URL(url);
  const fromUrl = parsed.searchParams.get('options');
  parsed.searchParams.delete('options');
  return {
    connectionString: parsed.href,
    options: [fromUrl, `-c search_path=${schema}`].filter(Boolean).join(' '),
  };
}
