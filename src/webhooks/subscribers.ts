import type { Context } from '../context.ts';
import type { Db } from '../db/schema.ts';

/**
 * Which enabled endpoints want which event, read from webhook_endpoints at most once every few
 * seconds per database: a flow that records an event asks this, and without webhooks it costs a
 * map lookup. A change made through this process (endpoints.ts) drops the cache at once; another
 * instance's change is seen within CACHE_MS.
 */
const CACHE_MS = 5000;

interface Cached {
  at: number;
  byEvent: Map<string, string[]>;
}

// Keyed by the root database handle, which every copy of a context shares.
const caches = new WeakMap<Db, Cached>();

/**
 * `db` is the handle to read with: the flow's transaction, since on SQLite the transaction holds the
 * only connection and a read through another one would wait for it forever.
 */
export async function subscribedEndpoints(
  ctx: Pick<Context, 'db'>,
  db: Db,
  event: string,
): Promise<string[]> {
  const cached = caches.get(ctx.db);
  const now = Date.now();
  if (cached !== undefined && now - cached.at < CACHE_MS) return cached.byEvent.get(event) ?? [];
  const byEvent = await readSubscriptions(db);
  caches.set(ctx.db, { at: now, byEvent });
  return byEvent.get(event) ?? [];
}

/** Drops the cache, after a change to the endpoints. */
export function forgetSubscriptions(db: Db): void {
  caches.delete(db);
}

async function readSubscriptions(db: Db): Promise<Map<string, string[]>> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .select(['id', 'events'])
    .where('disabled_at', 'is', null)
    .execute();
  const byEvent = new Map<string, string[]>();
  for (const row of rows) {
    for (const event of JSON.parse(row.events) as string[]) {
      const list = byEvent.get(event) ?? [];
      list.push(row.id);
      byEvent.set(event, list);
    }
  }
  return byEvent;
}
