import type { ColumnType, Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Millis } from '../clock.ts';

/**
 * The typed database interface, shared by SQLite and PostgreSQL.
 *
 * Every timestamp is an integer of epoch milliseconds (bigint in PostgreSQL, INTEGER in SQLite).
 * One representation in both dialects keeps comparisons such as `expires_at > now` identical,
 * lets the injected clock drive them, and avoids time-zone conversions in drivers.
 * JSON columns are text holding a JSON document, for the same reason.
 */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  security_tokens: SecurityTokensTable;
  email_outbox: EmailOutboxTable;
  audit_events: AuditEventsTable;
  newsletter_sends: NewsletterSendsTable;
  login_failures: LoginFailuresTable;
  invitations: InvitationsTable;
  grants: GrantsTable;
  one_time_codes: OneTimeCodesTable;
  code_budgets: CodeBudgetsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

export type Dialect = 'sqlite' | 'postgres';

/** A Kysely handle, or a transaction of one: everything that runs queries accepts either. */
export type Db = Kysely<Database>;

/** An open database: its handle and its lifecycle (src/db/connect.ts opens one). */
export interface Storage {
  readonly db: Db;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface UsersTable {
  id: string;
  /** As the user typed it (trimmed); shown back to them and used as the recipient. */
  email: string;
  /** Lower-cased NFC form; unique. Plus-tags and dots are kept: they are distinct mailboxes to us. */
  email_normalized: string;
  password_hash: string | null;
  /** Bumped on every password change; tokens bound to an older version stop working. */
  password_version: ColumnType<number, number | undefined, number>;
  email_verified_at: Millis | null;
  /** Null while subscribed to newsletters. */
  unsubscribed_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
  /** Set while an operator has disabled the account (src/accounts/user-status.ts); null otherwise. */
  disabled_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  /** The operator's reason, for support; never shown to the user. */
  disabled_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** The user's language (a supported locale, src/i18n/locales.ts), or null: DEFAULT_LOCALE. */
  locale: ColumnType<string | null, string | null | undefined, string | null>;
}

/**
 * Login attempts per email address, for the login throttle (src/accounts/login-throttle.ts). Keyed
 * by address rather than by user, so an address without an account is counted the same way.
 */
export interface LoginFailuresTable {
  /** SHA-256 of the normalised address with a domain-separation prefix, lower-case hex. */
  key: string;
  /** Attempts in the current run that did not log in; at most LOGIN_MAX_FAILURES + 1. */
  failures: number;
  /** When the current run's first attempt came: the run's window is counted from here. */
  window_start: Millis;
  /** Set by the attempt that reached LOGIN_MAX_FAILURES: until then, attempts are refused. */
  locked_until: Millis | null;
  /**
   * Password checks that failed in a row, across runs, since the last login or reset; at most
   * LOGIN_MAX_CONSECUTIVE_FAILURES + 1, which refuses every attempt until a reset.
   */
  streak: ColumnType<number, number | undefined, number>;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: Millis;
  last_seen_at: Millis;
  /** Absolute expiry; idle expiry is last_seen_at + SESSION_IDLE_TTL. */
  expires_at: Millis;
  ip: string | null;
  user_agent: string | null;
}

export interface SecurityTokensTable {
  id: string;
  /** SHA-256 of the token, lower-case hex. The token itself is never stored. */
  token_hash: string;
  purpose: string;
  user_id: string | null;
  /** For tokens not tied to a user: a caller-defined subject such as "order:42" or an email address. */
  subject: string | null;
  /** SHA-256 fingerprint of the state the token was issued against (email address, password version…). */
  binding: string | null;
  /** Small JSON object, at most 4 KiB. */
  data: string | null;
  created_at: Millis;
  expires_at: Millis;
  used_at: Millis | null;
  revoked_at: Millis | null;
  /** The id of the newer token whose issue revoked this one (migration 0011); else null. */
  superseded_by: string | null;
}

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface EmailOutboxTable {
  id: string;
  kind: string;
  recipient: string;
  sender: string;
  user_id: string | null;
  subject: string;
  /** Erased (set to null) once the message is sent or has failed for good: no token rests here. */
  text_body: string | null;
  html_body: string | null;
  /** JSON object of extra headers, e.g. List-Unsubscribe. Erased with the bodies. */
  headers: string | null;
  status: ColumnType<OutboxStatus, OutboxStatus | undefined, OutboxStatus>;
  /** 0 for account mail, 1 for bulk mail: the dispatcher sends lower numbers first. */
  priority: ColumnType<number, number | undefined, number>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Millis;
  /** While status is 'sending': the instant after which another dispatcher may take the message over. */
  lease_until: Millis | null;
  last_error: string | null;
  /** Fixed at enqueue time, so a re-send after a crash carries the same Message-ID. */
  message_id: string;
  /** Groups the messages of one newsletter send, for idempotency. */
  send_id: string | null;
  created_at: Millis;
  sent_at: Millis | null;
}

export interface AuditEventsTable {
  id: string;
  at: Millis;
  user_id: string | null;
  event: string;
  ip: string | null;
  /** Who acted when not the user: an API key's name or 'cli'. Null for the user's own actions. */
  actor: ColumnType<string | null, string | null | undefined, string | null>;
  /** Small JSON object. Never a token or a password. */
  detail: string | null;
}

export interface NewsletterSendsTable {
  /** Also email_outbox.send_id of every message of the send. */
  id: string;
  /** The Idempotency-Key header or --send-id; a generated id when the caller gave none. */
  idempotency_key: string;
  /** SHA-256 of the subject and bodies: a key reused for other content is refused, not replayed. */
  content_hash: string;
  subject: string;
  status: 'sending' | 'done';
  /** Keyset cursor: the greatest user id already queued. */
  last_user_id: string | null;
  /** Batches committed so far; each batch's update checks it, so two workers never queue one batch twice. */
  batches: ColumnType<number, number | undefined, number>;
  queued: ColumnType<number, number | undefined, number>;
  created_at: Millis;
  finished_at: Millis | null;
}

export interface InvitationsTable {
  id: string;
  inviter_id: string;
  /** As the inviter typed it (trimmed): the recipient. */
  email: string;
  email_normalized: string;
  scope: string;
  role: string;
  /** The security_tokens row of the emailed link. */
  token_id: string;
  created_at: Millis;
  expires_at: Millis;
  accepted_at: Millis | null;
  accepted_by: string | null;
  /** Set when the inviter revokes it or a newer invitation to the same address and scope supersedes it. */
  revoked_at: Millis | null;
}

/** What a user may do where: written by accepted invitations, read by the app. */
export interface GrantsTable {
  id: string;
  user_id: string;
  scope: string;
  role: string;
  invited_by: string | null;
  invitation_id: string | null;
  created_at: Millis;
}

/** A registered webhook receiver (src/webhooks/endpoints.ts). */
export interface WebhookEndpointsTable {
  id: string;
  url: string;
  description: ColumnType<string, string | undefined, string>;
  /** JSON array of event names. */
  events: string;
  /** whsec_<base64>: kept in clear, as the HMAC needs it; shown once, at creation or rotation. */
  secret: string;
  /** The secret before the last rotation: it still signs until previous_secret_until. */
  previous_secret: string | null;
  previous_secret_until: Millis | null;
  disabled_at: Millis | null;
  /** 'operator', or 'gone' when the receiver answered 410. */
  disabled_reason: string | null;
  created_at: Millis;
  updated_at: Millis;
}

/** One event as sent: id is the webhook-id, payload the exact JSON body. */
export interface WebhookEventsTable {
  id: string;
  name: string;
  payload: string;
  created_at: Millis;
}

export type WebhookDeliveryStatus = 'pending' | 'sending' | 'succeeded' | 'failed';

export interface WebhookDeliveriesTable {
  id: string;
  event_id: string;
  endpoint_id: string;
  event_name: string;
  status: ColumnType<WebhookDeliveryStatus, WebhookDeliveryStatus | undefined, WebhookDeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Millis;
  /** While 'sending': the lease, as email_outbox.lease_until. */
  lease_until: Millis | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Millis;
  finished_at: Millis | null;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  at: Millis;
  response_status: number | null;
  /** At most 200 characters of the answer's body. */
  response_excerpt: string | null;
  error: string | null;
  duration_ms: number;
}

export type WebhookEndpoint = Selectable<WebhookEndpointsTable>;
export type WebhookDelivery = Selectable<WebhookDeliveriesTable>;

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type Session = Selectable<SessionsTable>;
/** A typed one-time code (src/tokens/codes.ts); the code itself is never stored. */
export interface OneTimeCodesTable {
  id: string;
  purpose: string;
  /** 'user:<id>' or 'subject:<subject>': whose code it is, and whose attempt budget it spends. */
  owner: string;
  user_id: string | null;
  /** HMAC-SHA-256 of purpose, owner and code under the code key (never in the database), hex. */
  code_hash: string;
  binding: string | null;
  data: string | null;
  created_at: Millis;
  expires_at: Millis;
  used_at: Millis | null;
  revoked_at: Millis | null;
}

/** Wrong guesses of one owner's codes of one purpose, counted across resends. */
export interface CodeBudgetsTable {
  purpose: string;
  owner: string;
  attempts: number;
  window_ends_at: Millis;
  cooldown_until: Millis | null;
}

export type SecurityToken = Selectable<SecurityTokensTable>;
export type OneTimeCode = Selectable<OneTimeCodesTable>;
export type OutboxMessage = Selectable<EmailOutboxTable>;
export type NewOutboxMessage = Insertable<EmailOutboxTable>;
