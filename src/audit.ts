import type { Insertable } from 'kysely';
import type { Clock } from './clock.ts';
import { newId } from './db/ids.ts';
import { prepared } from './db/prepared.ts';
import type { AuditEventsTable, Db } from './db/schema.ts';

export type AuditEvent =
  | 'user.signed_up'
  | 'user.email_verified'
  | 'verification.requested'
  | 'login.succeeded'
  | 'login.failed'
  | 'sign_in.requested'
  | 'sign_in.succeeded'
  | 'password_reset.requested'
  | 'password_reset.completed'
  | 'password.changed'
  | 'email.change_requested'
  | 'email.changed'
  | 'newsletter.unsubscribed'
  | 'newsletter.resubscribed'
  | 'invitation.sent'
  | 'invitation.accepted'
  | 'invitation.revoked'
  | 'sessions.revoked'
  | 'user.deleted'
  | 'user.disabled'
  | 'user.enabled'
  | 'user.viewed'
  | 'code.cooldown'
  | 'webhook.endpoint_created'
  | 'webhook.endpoint_updated'
  | 'webhook.endpoint_removed'
  | 'webhook.secret_rotated'
  | 'webhook.delivery_retried';

export interface AuditEntry {
  event: AuditEvent;
  userId?: string | null;
  ip?: string | null;
  /** Who acted, when not the user: an API key's name, or 'cli'. */
  actor?: string | null;
  /** Small and free of secrets: never a token, a password or a session id. */
  detail?: Record<string, string | number | boolean | null>;
}

/** Records an event in the caller's transaction, so the trail never claims what did not commit. */
export async function recordAudit(db: Db, clock: Clock, entry: AuditEntry): Promise<void> {
  const at = clock.now();
  await insertAuditEvent.execute(db, {
    id: newId(at),
    at,
    user_id: entry.userId ?? null,
    event: entry.event,
    ip: entry.ip ?? null,
    actor: entry.actor ?? null,
    detail: entry.detail ? JSON.stringify(entry.detail) : null,
  });
}

const insertAuditEvent = prepared((db, row: Insertable<AuditEventsTable>) =>
  db.insertInto('audit_events').values({
    id: row.id,
    at: row.at,
    user_id: row.user_id,
    event: row.event,
    ip: row.ip,
    actor: row.actor,
    detail: row.detail,
  }),
);
