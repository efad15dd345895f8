import pg from 'pg';
import type { Config } from '../config/config.ts';
import { ConfigError } from '../config/env.ts';
import { openStorage } from '../db/connect.ts';
import type { Storage } from '../db/schema.ts';

/** createOto's `database`: a URL or path (as DATABASE_URL), or the app's own pg.Pool. */
export type DatabaseOption = string | pg.Pool;

/**
 * Opens oto's storage. Given the app's pg.Pool, oto opens a small pool of its own with the same
 * connection settings rather than borrowing the app's connections: oto parses bigint columns as
 * numbers, names its prepared statements and may set a search_path, and none of that may leak into
 * the app's connections. The app's pool stays the app's: oto never ends it.
 */
export function openDatabase(option: DatabaseOption | undefined, config: Config, schema?: string): Storage {
  if (option instanceof pg.Pool) {
    const { connectionString, host, port, user, database, password } = option.options;
    const url = connectionString ?? postgresUrl({ host, port, user, database, password });
    return openStorage(
      { kind: 'postgres', url, ...(schema ? { schema } : {}) },
      { poolSize: config.dbPoolSize },
    );
  }
  if (schema !== undefined && config.database.kind !== 'postgres')
    throw new ConfigError('option schema: is for PostgreSQL only');
  const target =
    config.database.kind === 'postgres' && schema ? { ...config.database, schema } : config.database;
  return openStorage(target, { poolSize: config.dbPoolSize });
}

function postgresUrl(parts: {
  host?: string;
  port?: number;
  user?: string;
  database?: string;
  password?: unknown;
}) {
  if (typeof parts.password === 'function')
    throw new ConfigError('option database: a pg.Pool with a password function is not supported; pass a URL');
  const url = new URL('postgres://localhost');
  if (parts.host) url.hostname = parts.host;
  if (parts.port) url.port = String(parts.port);
  if (parts.user) url.username = encodeURIComponent(parts.user);
  if (typeof parts.password === 'string') url.password = encodeURIComponent(parts.password);
  if (parts.database) url.pathname = `/${encodeURIComponent(parts.database)}`;
  return url.href;
}
