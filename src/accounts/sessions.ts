import type { Millis } from '../clock.ts';
import type { Context } from '../context.ts';
import { newId } from '../db/ids.ts';
import { prepared } from '../db/prepared.ts';
import type { Db, User } from '../db/schema.ts';
import { generateToken, hashToken, isWellFormedToken } from '../tokens/secret.ts';
import { recordEvent } from '../webhooks/record.ts';
import { truncateIp } from './ip-prefix.ts';

/**
 * Login sessions: 256-bit random tokens, of which only the SHA-256 is stored (a leaked sessions
 * table logs no one in). A session ends at the first of two instants: its absolute expiry, fixed
 * at creation (SESSION_TTL), and SESSION_IDLE_TTL after it was last seen.
 */

/** last_seen_at is written at most this often per session, so a busy client does not turn every
 * request into a write; idle expiry is therefore exact to within a minute. */
export const TOUCH_INTERVAL_MS = 60_000;

export interface SessionInfo {
  id: string;
  userId: string;
  createdAt: Millis;
  lastSeenAt: Millis;
  /** When the session ends if unused: the earlier of the absolute and the idle expiry. */
  expiresAt: Millis;
}

export interface CreatedSession {
  /** The only time the token exists in clear: put it in the cookie or the response, nowhere else. */
  token: string;
  session: SessionInfo;
}

export interface SessionOrigin {
  ip?: string | null;
  userAgent?: string | null;
}

/** Opens a session for a user. Call it in the transaction that decided the user may log in. */
export async function createSession(
  ctx: Context,
  db: Db,
  userId: string,
  origin: SessionOrigin = {},
): Promise<CreatedSession> {
  const now = ctx.clock.now();
  const token = generateToken();
  const row = {
    id: newId(now),
    token_hash: hashToken(token),
    user_id: userId,
    created_at: now,
    last_seen_at: now,
    expires_at: now + ctx.config.sessions.ttlSeconds * 1000,
    // Only the network is kept (ip-prefix.ts): the session list needs no more.
    ip: truncateIp(origin.ip),
    user_agent: origin.userAgent?.slice(0, 512) ?? null,
  };
  await db.insertInto('sessions').values(row).execute();
  await recordEvent(ctx, db, 'session.created', { userId, sessionId: row.id });
  return { token, session: toInfo(ctx, row) };
}

export interface ActiveSession {
  session: SessionInfo;
  user: User;
}

/**
 * Finds the live session a token names, with its user, or null. Counts as activity: moves
 * last_seen_at forward (at most once a minute), which pushes the idle expiry back.
 */
export async function lookupSession(ctx: Context, token: unknown): Promise<ActiveSession | null> {
  if (!isWellFormedToken(token)) return null;
  const now = ctx.clock.now();
  const row = await ctx.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select([
      'sessions.id as session_id',
      'sessions.created_at as session_created_at',
      'sessions.last_seen_at as session_last_seen_at',
      'sessions.expires_at as session_expires_at',
    ])
    .where('sessions.token_hash', '=', hashToken(token))
    // Disabling an account deletes its sessions; this keeps one opened in the same instant out too.
    .where('users.disabled_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined) return null;
  const session = {
    id: row.session_id,
    user_id: row.id,
    created_at: row.session_created_at,
    last_seen_at: row.session_last_seen_at,
    expires_at: row.session_expires_at,
  };
  if (toInfo(ctx, session).expiresAt <= now) return null;
  if (now - session.last_seen_at >= TOUCH_INTERVAL_MS) {
    await touch(ctx, session.id, now);
    session.last_seen_at = now;
  }
  const {
    session_id: _id,
    session_created_at: _c,
    session_last_seen_at: _l,
    session_expires_at: _e,
    ...user
  } = row;
  return { session: toInfo(ctx, session), user };
}

async function touch(ctx: Context, sessionId: string, now: Millis): Promise<void> {
  // The condition makes concurrent touches of one session write once, and never move it backwards.
  await ctx.db
    .updateTable('sessions')
    .set({ last_seen_at: now })
    .where('id', '=', sessionId)
    .where('last_seen_at', '<=', now - TOUCH_INTERVAL_MS)
    .execute();
}

/** Ends one session of a user (log out, or from the device list). True when it existed. */
export async function revokeSession(
  ctx: Context,
  db: Db,
  session: { userId: string; sessionId: string },
  reason: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('sessions')
    .where('id', '=', session.sessionId)
    .where('user_id', '=', session.userId)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) return false;
  await recordEvent(ctx, db, 'session.revoked', { ...session, count: 1, reason });
  return true;
}

/**
 * Ends every session of a user, e.g. after a password reset or an email verification. Returns how
 * many ended. Sessions are deleted, not flagged: a revoked session has nothing left worth keeping.
 */
export async function revokeUserSessions(
  ctx: Context,
  db: Db,
  userId: string,
  options: { except?: string; reason: string },
): Promise<number> {
  const count =
    options.except === undefined
      ? await deleteSessionsOf.affected(db, { userId })
      : await deleteOtherSessionsOf.affected(db, { userId, except: options.except });
  if (count > 0)
    await recordEvent(ctx, db, 'session.revoked', { userId, sessionId: null, count, reason: options.reason });
  return count;
}

const deleteSessionsOf = prepared((db, p: { userId: string }) =>
  db.deleteFrom('sessions').where('user_id', '=', p.userId),
);
const deleteOtherSessionsOf = prepared((db, p: { userId: string; except: string }) =>
  db.deleteFrom('sessions').where('user_id', '=', p.userId).where('id', '!=', p.except),
);

/** A session row as the rest of oto sees it: its end is the earlier of the two expiries. */
export function toInfo(
  ctx: Context,
  row: { id: string; user_id: string; created_at: Millis; last_seen_at: Millis; expires_at: Millis },
): SessionInfo {
  const idleExpiry = row.last_seen_at + ctx.config.sessions.idleTtlSeconds * 1000;
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: Math.min(row.expires_at, idleExpiry),
  };
}
