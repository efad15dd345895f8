import { isoTime, type Millis } from '../clock.ts';
import type { Context } from '../context.ts';
import { findUserById } from './users.ts';

/**
 * A user's own data, as one JSON document (GDPR art. 15 and 20): GET /v1/me/export and the
 * /account/export page send it as a download.
 *
 * What oto holds about an account, table by table: the profile and subscription (users), the
 * sessions, the invitations it sent and accepted, the grants it holds, the mail it was sent (what
 * and when, not the bodies) and the audit entries about it. Never what would let someone act as the
 * user: no password hash, no token or session hash, no mail body (a queued one carries a link).
 * Never another user's data either: an invitation it accepted names its inviter by id only.
 */

export interface AccountExport {
  format: 'oto-account-export/1';
  exportedAt: string;
  profile: {
    id: string;
    email: string;
    emailVerified: boolean;
    emailVerifiedAt: string | null;
    hasPassword: boolean;
    createdAt: string;
    updatedAt: string;
  };
  subscription: { subscribed: boolean; unsubscribedAt: string | null };
  sessions: {
    id: string;
    createdAt: string;
    lastSeenAt: string;
    expiresAt: string;
    userAgent: string | null;
    ip: string | null;
  }[];
  invitations: {
    sent: {
      id: string;
      email: string;
      scope: string;
      role: string;
      createdAt: string;
      expiresAt: string;
      acceptedAt: string | null;
      revokedAt: string | null;
    }[];
    accepted: { id: string; inviterId: string; scope: string; role: string; acceptedAt: string | null }[];
  };
  grants: { scope: string; role: string; invitedBy: string | null; createdAt: string }[];
  emails: { kind: string; subject: string; status: string; createdAt: string; sentAt: string | null }[];
  auditEvents: { id: string; at: string; event: string; ip: string | null; detail: unknown }[];
}

export async function exportAccount(ctx: Context, userId: string): Promise<AccountExport | null> {
  const db = ctx.db;
  const user = await findUserById(db, userId);
  if (user === undefined) return null;
  const [sessions, sent, accepted, grants, emails, audit] = await Promise.all([
    db
      .selectFrom('sessions')
      .select(['id', 'created_at', 'last_seen_at', 'expires_at', 'user_agent', 'ip'])
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('invitations')
      .select(['id', 'email', 'scope', 'role', 'created_at', 'expires_at', 'accepted_at', 'revoked_at'])
      .where('inviter_id', '=', userId)
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('invitations')
      .select(['id', 'inviter_id', 'scope', 'role', 'accepted_at'])
      .where('accepted_by', '=', userId)
      .orderBy('accepted_at')
      .execute(),
    db
      .selectFrom('grants')
      .select(['scope', 'role', 'invited_by', 'created_at'])
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('email_outbox')
      .select(['kind', 'subject', 'status', 'created_at', 'sent_at'])
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('audit_events')
      .select(['id', 'at', 'event', 'ip', 'detail'])
      .where('user_id', '=', userId)
      .orderBy('at')
      .orderBy('id')
      .execute(),
  ]);
  return {
    format: 'oto-account-export/1',
    exportedAt: isoTime(ctx.clock.now()),
    profile: {
      id: user.id,
      email: user.email,
      emailVerified: user.email_verified_at !== null,
      emailVerifiedAt: maybeTime(user.email_verified_at),
      hasPassword: user.password_hash !== null,
      createdAt: isoTime(user.created_at),
      updatedAt: isoTime(user.updated_at),
    },
    subscription: {
      subscribed: user.unsubscribed_at === null,
      unsubscribedAt: maybeTime(user.unsubscribed_at),
    },
    sessions: sessions.map((s) => ({
      id: s.id,
      createdAt: isoTime(s.created_at),
      lastSeenAt: isoTime(s.last_seen_at),
      // The absolute expiry as stored; idle expiry comes sooner when the session is unused.
      expiresAt: isoTime(s.expires_at),
      userAgent: s.user_agent,
      ip: s.ip,
    })),
    invitations: {
      sent: sent.map((i) => ({
        id: i.id,
        email: i.email,
        scope: i.scope,
        role: i.role,
        createdAt: isoTime(i.created_at),
        expiresAt: isoTime(i.expires_at),
        acceptedAt: maybeTime(i.accepted_at),
        revokedAt: maybeTime(i.revoked_at),
      })),
      accepted: accepted.map((i) => ({
        id: i.id,
        inviterId: i.inviter_id,
        scope: i.scope,
        role: i.role,
        acceptedAt: maybeTime(i.accepted_at),
      })),
    },
    grants: grants.map((g) => ({
      scope: g.scope,
      role: g.role,
      invitedBy: g.invited_by,
      createdAt: isoTime(g.created_at),
    })),
    emails: emails.map((m) => ({
      kind: m.kind,
      subject: m.subject,
      status: m.status,
      createdAt: isoTime(m.created_at),
      sentAt: maybeTime(m.sent_at),
    })),
    auditEvents: audit.map((a) => ({
      id: a.id,
      at: isoTime(a.at),
      event: a.event,
      ip: a.ip,
      detail: a.detail === null ? null : (JSON.parse(a.detail) as unknown),
    })),
  };
}

function maybeTime(at: Millis | null): string | null {
  return at === null ? null : isoTime(at);
}
