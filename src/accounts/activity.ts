import type { Millis } from '../clock.ts';
import type { Context } from '../context.ts';

/** One entry of a user's own audit trail, as they see it. */
export interface ActivityEvent {
  id: string;
  event: string;
  at: Millis;
  ip: string | null;
  detail: Record<string, unknown> | null;
}

export interface ActivityPage {
  events: ActivityEvent[];
  /** Pass as `before` for the next (older) page; null when this page reached the end. */
  nextBefore: string | null;
}

/**
 * A user's recent audit events, newest first, a page at a time through the (user_id, at) index.
 * The cursor is the last event's instant and id, so events that share a millisecond are neither
 * skipped nor repeated. Only the user's own events: those recorded with their id.
 */
export async function recentActivity(
  ctx: Context,
  userId: string,
  options: { limit: number; before?: string },
): Promise<ActivityPage> {
  let query = ctx.db
    .selectFrom('audit_events')
    .select(['id', 'event', 'at', 'ip', 'detail'])
    .where('user_id', '=', userId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1);
  const cursor = options.before === undefined ? null : parseCursor(options.before);
  if (cursor !== null) {
    query = query.where((eb) =>
      eb.or([eb('at', '<', cursor.at), eb.and([eb('at', '=', cursor.at), eb('id', '<', cursor.id)])]),
    );
  }
  const rows = await query.execute();
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    events: page.map((row) => ({ ...row, detail: parseDetail(row.detail) })),
    nextBefore: rows.length > options.limit && last ? `${last.at}.${last.id}` : null,
  };
}

/** "<epoch ms>.<event id>", as nextBefore gives it; null for anything else. */
export function parseCursor(cursor: string): { at: Millis; id: string } | null {
  const match = /^(\d{1,15})\.([0-9a-f-]{1,64})$/.exec(cursor);
  return match ? { at: Number(match[1]), id: match[2]! } : null;
}

function parseDetail(detail: string | null): Record<string, unknown> | null {
  if (detail === null) return null;
  try {
    return JSON.parse(detail) as Record<string, unknown>;
  } catch {
    return null;
  }
}
