import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * PostgreSQL parses and plans every unnamed statement anew. The compiled SQL of prepared queries is
 * known and fixed, so each gets a name, and each connection parses it once (openPostgres passes
 * the name to node-postgres). The name is a digest of the text: the same text always gets the
 * same name, and two texts never share one.
 */
const statementNames = new Map<string, string>();

export function nameStatement(sql: string): void {
  if (!statementNames.has(sql))
    statementNames.set(sql, `oto_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`);
}

/** The name under which a connection keeps a prepared query's statement, if it is one. */
function statementName(sql: string): string | undefined {
  return statementNames.get(sql);
}

/**
 * Kysely calls client.query(sql, parameters). For the SQL of a prepared query, the call goes out as
 * a named statement, which this connection parses and plans once (src/db/prepared.ts).
 */
export function useNamedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (config: unknown, values?: unknown) => unknown;
  (client as { query: unknown }).query = (config: unknown, values?: unknown) => {
    const name = typeof config === 'string' ? statementName(config) : undefined;
    return name === undefined ? query(config, values) : query({ name, text: config, values });
  };
}
