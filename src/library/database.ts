import pg from 'pg';
import { ConfigError } from '../config/env.ts';

/** createOto's `database`: a URL or path (as DATABASE_URL), or the app's own pg.Pool. */
export type DatabaseOption = string | pg.Pool;

/**
 * The DATABASE_URL a `database` option stands for. Given the app's pg.Pool, oto opens a small pool
 * of its own with the same connection settings rather than borrowing the app's connections: oto
 * parses bigint columns as numbers, names its prepared statements and may set a search_path, and
 * none of that may leak into the app's connections. The app's pool stays the app's: oto never ends
 * it. As a URL, the pool counts as PostgreSQL everywhere the configuration asks (the schema option,
 * the signing keys), not as the default SQLite file.
 */
export function databaseUrl(option: DatabaseOption | undefined): string | undefined {
  if (!(option instanceof pg.Pool)) return option;
  const { connectionString, host, port, user, database, password } = option.options;
  return connectionString ?? postgresUrl({ host, port, user, database, password });
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
