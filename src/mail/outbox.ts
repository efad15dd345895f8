import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { newId } from '../db/ids.ts';
import { prepared } from '../db/prepared.ts';
import type { Db } from '../db/schema.ts';

export interface OutgoingEmail {
  kind: string;
  to: string;
  from: string;
  userId?: string | null;
  subject: string;
  text: string;
  html?: string | null;
  headers?: Record<string, string> | null;
  sendId?: string | null;
}

/**
 * Puts a message in the outbox. Call it with the transaction that issued the token the message
 * carries: both commit together or neither does, and the request never waits for SMTP.
 */
export async function enqueueEmail(db: Db, clock: Clock, email: OutgoingEmail, messageDomain: string) {
  const row = outboxRow(clock, email, messageDomain);
  await insertOne.execute(db, row);
  return row.id;
}

export type OutboxRow = ReturnType<typeof outboxRow>;

const insertOne = prepared((db, row: OutboxRow) =>
  db.insertInto('email_outbox').values({
    priority: row.priority,
    id: row.id,
    kind: row.kind,
    recipient: row.recipient,
    sender: row.sender,
    user_id: row.user_id,
    subject: row.subject,
    text_body: row.text_body,
    html_body: row.html_body,
    headers: row.headers,
    next_attempt_at: row.next_attempt_at,
    message_id: row.message_id,
    send_id: row.send_id,
    created_at: row.created_at,
  }),
);

/**
 * Puts many messages in the outbox with one multi-row INSERT: a newsletter batch costs one round
 * trip instead of one per recipient.
 */
export async function enqueueEmails(db: Db, clock: Clock, emails: OutgoingEmail[], messageDomain: string) {
  if (emails.length === 0) return;
  await db
    .insertInto('email_outbox')
    .values(emails.map((email) => outboxRow(clock, email, messageDomain)))
    .execute();
}

/** Bulk mail waits behind account mail: a reset link must not queue behind a newsletter. */
const BULK_KINDS = new Set(['newsletter']);

export function outboxRow(clock: Clock, email: OutgoingEmail, messageDomain: string) {
  const now = clock.now();
  return {
    priority: BULK_KINDS.has(email.kind) ? 1 : 0,
    id: newId(now),
    kind: email.kind,
    recipient: email.to,
    sender: email.from,
    user_id: email.userId ?? null,
    subject: email.subject,
    text_body: email.text,
    html_body: email.html ?? null,
    headers: email.headers ? JSON.stringify(email.headers) : null,
    next_attempt_at: now,
    message_id: `<${randomUUID()}@${messageDomain}>`,
    send_id: email.sendId ?? null,
    created_at: now,
  };
}
