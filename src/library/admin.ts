import { sendResetLinkAsOperator } from '../accounts/password-reset.ts';
import { resendVerificationAsOperator } from '../accounts/resend-verification.ts';
import {
  describeUser,
  listUsers,
  parseUserCursor,
  type UserDetails,
  type UserStatus,
  type UserSummary,
} from '../accounts/user-search.ts';
import { disableUser, enableUser, findAccount, revokeSessionsOf } from '../accounts/user-status.ts';
import { isoTime } from '../clock.ts';
import type { Context } from '../context.ts';

/**
 * Library mode's twin of the admin API (/v1/admin/users) and `oto users`: the same functions. The
 * app says who acts (`actor`: its operator's name or id), which its audit entries record.
 */

export interface AdminUserSummary {
  id: string;
  email: string;
  status: UserStatus;
  createdAt: string;
  verifiedAt: string | null;
  disabledAt: string | null;
}

export interface AdminUserDetails extends AdminUserSummary {
  disabledReason: string | null;
  subscribed: boolean;
  lastLoginAt: string | null;
  sessionCount: number;
}

export interface Acting {
  actor: string;
  ip?: string | null;
}

type Unknown = { ok: false; reason: 'unknown' };
type StatusResult = { ok: true; status: UserStatus; changed: boolean } | Unknown;

export interface LibraryAdmin {
  /** At most 100 a page; `cursor` is a previous page's nextCursor (a malformed one is a TypeError). */
  listUsers(query?: {
    email?: string;
    status?: UserStatus;
    cursor?: string;
    limit?: number;
  }): Promise<{ users: AdminUserSummary[]; nextCursor: string | null }>;
  describeUser(userId: string): Promise<AdminUserDetails | null>;
  disableUser(
    input: { userId: string; reason: string } & Acting,
  ): Promise<StatusResult | { ok: false; reason: 'invalid_reason'; message: string }>;
  enableUser(input: { userId: string } & Acting): Promise<StatusResult>;
  revokeSessions(input: { userId: string } & Acting): Promise<{ ok: true; revoked: number } | Unknown>;
  /** Whether a link went out: not to a disabled account, nor past the address's hourly cap. */
  sendPasswordReset(input: { userId: string } & Acting): Promise<{ ok: true; sent: boolean } | Unknown>;
  sendVerificationEmail(input: { userId: string } & Acting): Promise<{ ok: true; sent: boolean } | Unknown>;
}

export function libraryAdmin(ctx: Context): LibraryAdmin {
  const by = (input: Acting) => ({ actor: input.actor, ip: input.ip ?? null });
  const unknown = { ok: false, reason: 'unknown' } as const;
  return {
    async listUsers(query = {}) {
      const limit = query.limit ?? 20;
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        throw new TypeError('limit must be a whole number from 1 to 100');
      if (query.cursor !== undefined && parseUserCursor(query.cursor) === null)
        throw new TypeError('cursor must be the nextCursor of a previous page');
      const page = await listUsers(ctx, { ...query, limit });
      return { users: page.users.map(summaryView), nextCursor: page.nextCursor };
    },
    async describeUser(userId) {
      const details = await describeUser(ctx, userId);
      return details === null ? null : detailsView(details);
    },
    async disableUser(input) {
      const result = await disableUser(ctx, input.userId, input.reason, by(input));
      return result.ok ? { ok: true, status: result.status, changed: result.changed } : result;
    },
    async enableUser(input) {
      const result = await enableUser(ctx, input.userId, by(input));
      return result.ok ? { ok: true, status: result.status, changed: result.changed } : unknown;
    },
    revokeSessions: (input) => revokeSessionsOf(ctx, input.userId, by(input)),
    async sendPasswordReset(input) {
      const user = await findAccount(ctx, input.userId);
      if (user === undefined) return unknown;
      return { ok: true, sent: await sendResetLinkAsOperator(ctx, user, by(input)) };
    },
    async sendVerificationEmail(input) {
      const user = await findAccount(ctx, input.userId);
      if (user === undefined) return unknown;
      return { ok: true, sent: await resendVerificationAsOperator(ctx, user, by(input)) };
    },
  };
}

const iso = (at: number | null) => (at === null ? null : isoTime(at));

function summaryView(user: UserSummary): AdminUserSummary {
  return {
    id: user.id,
    email: user.email,
    status: user.status,
    createdAt: isoTime(user.createdAt),
    verifiedAt: iso(user.verifiedAt),
    disabledAt: iso(user.disabledAt),
  };
}

function detailsView(user: UserDetails): AdminUserDetails {
  return {
    ...summaryView(user),
    disabledReason: user.disabledReason,
    subscribed: user.subscribed,
    lastLoginAt: iso(user.lastLoginAt),
    sessionCount: user.sessionCount,
  };
}
