import { recordAudit } from '../audit.ts';
import { isoTime, type Millis } from '../clock.ts';
import type { Context } from '../context.ts';
import type { User } from '../db/schema.ts';
import { transact } from '../webhooks/record.ts';
import { spendActionCode } from './action-codes.ts';
import type { InputError } from './input.ts';
import { truncateIp } from './ip-prefix.ts';
import { type Cooldown, clearAttempts, proveOwnPassword } from './login-throttle.ts';
import { currentPasswordInputProblem } from './passwords.ts';
import { revokeSession, revokeUserSessions, toInfo } from './sessions.ts';
import { describeUserAgent } from './user-agent.ts';

/**
 * Sessions and devices: where a user is logged in, and logging one or all of the others out.
 * What is shown is what a person needs to recognise a device and nothing that would let anyone
 * use it: the row id (never the token or its hash), a readable browser and system, and the network
 * (createSession stores no more than that).
 */

export interface DeviceSession {
  id: string;
  /** The session of the request that asks. */
  current: boolean;
  createdAt: Millis;
  lastSeenAt: Millis;
  expiresAt: Millis;
  /** "Firefox on Linux" (user-agent.ts). */
  userAgent: string;
  /** "203.0.113.0/24" or "2001:db8:85a3::/48", or null when unknown. */
  ip: string | null;
}

/** A DeviceSession with its times as ISO 8601 text, as the API and library mode show it. */
export type DeviceSessionView = Omit<DeviceSession, 'createdAt' | 'lastSeenAt' | 'expiresAt'> & {
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
};

export function deviceSessionView(session: DeviceSession): DeviceSessionView {
  return {
    ...session,
    createdAt: isoTime(session.createdAt),
    lastSeenAt: isoTime(session.lastSeenAt),
    expiresAt: isoTime(session.expiresAt),
  };
}

/** The user's live sessions: the current one first, then the most recently used. */
export async function listSessions(
  ctx: Context,
  userId: string,
  currentSessionId: string | null,
): Promise<DeviceSession[]> {
  const now = ctx.clock.now();
  const rows = await ctx.db
    .selectFrom('sessions')
    .select(['id', 'user_id', 'created_at', 'last_seen_at', 'expires_at', 'ip', 'user_agent'])
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .execute();
  return (
    rows
      .map((row) => ({ ...toInfo(ctx, row), ip: row.ip, userAgent: row.user_agent }))
      // Idle-expired rows wait for the purge, but they no longer log anyone in.
      .filter((session) => session.expiresAt > now)
      .map((session) => ({
        id: session.id,
        current: session.id === currentSessionId,
        createdAt: session.createdAt,
        lastSeenAt: session.lastSeenAt,
        expiresAt: session.expiresAt,
        userAgent: describeUserAgent(session.userAgent),
        // Rows written before the truncation began are shown truncated too.
        ip: truncateIp(session.ip),
      }))
      .sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt - a.lastSeenAt)
  );
}

/**
 * Logs one of the user's own sessions out. False when the id names no session of this user, whether
 * it is unknown, malformed or someone else's: the caller answers all three alike (404), so ids of
 * other users' sessions cannot be probed.
 */
export async function revokeOwnSession(
  ctx: Context,
  input: { userId: string; sessionId: string; ip: string | null },
): Promise<boolean> {
  return transact(ctx, async (trx) => {
    const session = { userId: input.userId, sessionId: input.sessionId };
    if (!(await revokeSession(ctx, trx, session, 'user_revoked'))) return false;
    await recordAudit(trx, ctx.clock, {
      event: 'sessions.revoked',
      userId: input.userId,
      ip: input.ip,
      detail: { reason: 'user_revoked', count: 1 },
    });
    return true;
  });
}

export type RevokeOthersResult =
  | { ok: true; revoked: number }
  | { ok: false; reason: 'invalid_input'; errors: InputError[] }
  | { ok: false; reason: 'wrong_password' }
  | { ok: false; reason: 'code_invalid' }
  | ({ ok: false; reason: 'cooling_down' } & Cooldown);

/**
 * "Log out of all other devices". It asks for the password: whoever holds a stolen session must
 * not be able to lock its owner out of every other device, and the check counts toward the login
 * throttle like every other password prompt.
 */
export async function revokeOtherSessions(
  ctx: Context,
  input: { user: User; sessionId: string; password: string; code?: string | undefined; ip: string | null },
): Promise<RevokeOthersResult> {
  if (input.user.password_hash === null) return revokeOthersWithCode(ctx, input);
  const problem = currentPasswordInputProblem(input.password);
  if (problem !== null) {
    return { ok: false, reason: 'invalid_input', errors: [{ field: 'currentPassword', message: problem }] };
  }
  const proof = await proveOwnPassword(ctx, { ...input, during: 'revoke_other_sessions' });
  if (!proof.ok) return proof;
  const revoked = await transact(ctx, async (trx) => {
    await clearAttempts(trx, proof.admission);
    const count = await revokeUserSessions(ctx, trx, input.user.id, {
      except: input.sessionId,
      reason: 'revoke_others',
    });
    await recordAudit(trx, ctx.clock, {
      event: 'sessions.revoked',
      userId: input.user.id,
      ip: input.ip,
      detail: { reason: 'revoke_others', count },
    });
    return count;
  });
  return { ok: true, revoked };
}

/** The same for an account without a password: the code emailed for it, spent in the transaction. */
async function revokeOthersWithCode(
  ctx: Context,
  input: { user: User; sessionId: string; code?: string | undefined; ip: string | null },
): Promise<RevokeOthersResult> {
  return transact(ctx, async (trx): Promise<RevokeOthersResult> => {
    const { user, code, ip } = input;
    if (!(await spendActionCode(ctx, trx, { user, action: 'revoke_other_sessions', code, ip })))
      return { ok: false, reason: 'code_invalid' };
    const revoked = await revokeUserSessions(ctx, trx, user.id, {
      except: input.sessionId,
      reason: 'revoke_others',
    });
    await recordAudit(trx, ctx.clock, {
      event: 'sessions.revoked',
      userId: user.id,
      ip,
      detail: { reason: 'revoke_others', count: revoked },
    });
    return { ok: true, revoked };
  });
}
