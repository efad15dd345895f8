import { sql } from 'kysely';
import type { Millis } from '../clock.ts';
import type { Context } from '../context.ts';
import { ID_PATTERN } from '../db/ids.ts';
import type { User } from '../db/schema.ts';
import { findUserById, normalizeEmail } from './users.ts';

/**
 * Finding accounts, for operators (the admin API and `oto users`): a filtered list a page at a time,
 * and one account with what support asks about it. Reads only.
 */

export type UserStatus = 'unverified' | 'active' | 'disabled';
export const USER_STATUSES: readonly UserStatus[] = ['unverified', 'active', 'disabled'];

export interface UserSummary {
  id: string;
  email: string;
  status: UserStatus;
  createdAt: Millis;
  verifiedAt: Millis | null;
  disabledAt: Millis | null;
}

export interface UserPage {
  users: UserSummary[];
  /** Pass as `cursor` for the next page; null when this page reached the end. */
  nextCursor: string | null;
}

export interface UserQuery {
  /** A prefix of the address (an exact address is its own prefix), compared case-insensitively. */
  email?: string;
  status?: UserStatus;
  cursor?: string;
  /** Accounts a page; the caller bounds it (at most 100 on the admin API). */
  limit: number;
}

/**
 * One page of accounts, oldest first, in (created_at, id) order. The cursor names the last account
 * shown, and the next page starts strictly after it: an account that signs up while an operator
 * pages sorts after every existing one (its created_at is now), so it shifts nothing already
 * listed, and nothing is shown twice or skipped.
 */
export async function listUsers(ctx: Context, query: UserQuery): Promise<UserPage> {
  const { limit } = query;
  const after = query.cursor === undefined ? null : parseUserCursor(query.cursor);
  let select = ctx.db
    .selectFrom('users')
    .selectAll()
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit + 1);
  if (after !== null) {
    select = select.where((eb) =>
      eb.or([
        eb('created_at', '>', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
      ]),
    );
  }
  if (query.email !== undefined && query.email.trim() !== '') {
    const pattern = `${escapeLike(normalizeEmail(query.email))}%`;
    select = select.where(sql<boolean>`email_normalized like ${pattern} escape '\\'`);
  }
  if (query.status === 'disabled') select = select.where('disabled_at', 'is not', null);
  if (query.status === 'active')
    select = select.where('disabled_at', 'is', null).where('email_verified_at', 'is not', null);
  if (query.status === 'unverified')
    select = select.where('disabled_at', 'is', null).where('email_verified_at', 'is', null);
  const rows = await select.execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    users: page.map(summary),
    nextCursor: rows.length > limit && last ? userCursor(last) : null,
  };
}

export interface UserDetails extends UserSummary {
  disabledReason: string | null;
  subscribed: boolean;
  /** The latest successful log-in, from the live sessions and the audit trail; null if none is known. */
  lastLoginAt: Millis | null;
  /** Live sessions, those that have not yet expired. */
  sessionCount: number;
}

export async function describeUser(ctx: Context, id: string): Promise<UserDetails | null> {
  if (!ID_PATTERN.test(id)) return null;
  const user = await findUserById(ctx.db, id);
  if (user === undefined) return null;
  const now = ctx.clock.now();
  const idleSince = now - ctx.config.sessions.idleTtlSeconds * 1000;
  const sessions = await ctx.db
    .selectFrom('sessions')
    .select((eb) => [eb.fn.countAll<number | string | bigint>().as('count')])
    .where('user_id', '=', id)
    .where('expires_at', '>', now)
    .where('last_seen_at', '>', idleSince)
    .executeTakeFirst();
  const lastSession = await ctx.db
    .selectFrom('sessions')
    .select((eb) => eb.fn.max('created_at').as('at'))
    .where('user_id', '=', id)
    .executeTakeFirst();
  const lastAudit = await ctx.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.max('at').as('at'))
    .where('user_id', '=', id)
    .where('event', '=', 'login.succeeded')
    .executeTakeFirst();
  const logins = [lastSession?.at, lastAudit?.at].filter((at) => at !== null && at !== undefined);
  return {
    ...summary(user),
    disabledReason: user.disabled_reason,
    subscribed: user.unsubscribed_at === null,
    lastLoginAt: logins.length === 0 ? null : Math.max(...logins.map(Number)),
    sessionCount: Number(sessions?.count ?? 0),
  };
}

export function statusOf(user: Pick<User, 'disabled_at' | 'email_verified_at'>): UserStatus {
  if (user.disabled_at !== null) return 'disabled';
  return user.email_verified_at === null ? 'unverified' : 'active';
}

function summary(user: User): UserSummary {
  return {
    id: user.id,
    email: user.email,
    status: statusOf(user),
    createdAt: Number(user.created_at),
    verifiedAt: user.email_verified_at === null ? null : Number(user.email_verified_at),
    disabledAt: user.disabled_at === null ? null : Number(user.disabled_at),
  };
}

/** Opaque to callers: base64url of the last account's created_at and id. */
function userCursor(user: User): string {
  return Buffer.from(JSON.stringify([Number(user.created_at), user.id])).toString('base64url');
}

/** The position a cursor names, or null for anything nextCursor did not give. */
export function parseUserCursor(cursor: string): { createdAt: Millis; id: string } | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [createdAt, id] = value as unknown[];
    if (!Number.isSafeInteger(createdAt) || (createdAt as number) < 0) return null;
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) return null;
    return { createdAt: createdAt as number, id };
  } catch {
    return null;
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}
