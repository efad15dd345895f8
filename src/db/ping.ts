import { sql } from 'kysely';
import type { Db } from './schema.ts';

/** Storage.ping, for both databases: openPostgres and openSqlite each hand it their handle. */
export async function ping(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
