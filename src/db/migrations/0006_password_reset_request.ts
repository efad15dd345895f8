import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * PostgreSQL only: a password reset request as one function call, so that it is one round trip
 * and one autocommit transaction instead of BEGIN, lock, statement, COMMIT.
 *
 * Why a function: the request must count the address's recent reset emails and supersede its live
 * reset links only after it holds the address's advisory lock. One plain statement cannot do that,
 * because its snapshot is taken before it starts waiting for the lock, so it would miss what the
 * lock's previous holder committed (a second email past the cap, or two live links). Inside a
 * VOLATILE PL/pgSQL function each statement takes a fresh snapshot: the second one starts after
 * the lock is granted and sees everything committed before.
 *
 * The function does what src/accounts/password-reset.ts does statement by statement on SQLite, and
 * test/password-reset-request.test.ts holds both to the same outcome. Its constants (the purpose,
 * the capped kinds, the binding's form) are those of the code as of this migration; changing any
 * of them means a new migration that replaces the function.
 *
 * The pieces are the portable code's: the supersede and the insert are the token engine's
 * (src/tokens/statements.ts), the count is underCap's (src/accounts/mail-caps.ts), the email row is
 * queueMail's (src/mail/queue.ts), the binding is passwordResetBinding's (src/accounts/bindings.ts).
 *
 * $1 address (normalised), $2 now, $3 start of the cap's window, $4 the cap, $5 token id, $6 token
 * hash, $7 token expiry, $8 fingerprint domain, $9–$15 the rendered email, $16 audit id, $17 IP,
 * $18 the address's advisory lock key. Returns whether a link was issued and its email queued.
 */
export async function up(db: AnyDb): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  await sql`
create function oto_request_password_reset(
  text, bigint, bigint, integer, text, text, bigint, bytea,
  text, text, text, text, text, text, text, text, text, bigint
) returns boolean language plpgsql volatile as $body$
declare
  sent boolean;
begin
  perform pg_advisory_xact_lock($18);
  with account as (
    select id, email, password_version from users where email_normalized = $1
  ), allowed as (
    select a.* from account a
    where (select count(*) from email_outbox
           where recipient = a.email and kind in ('password_reset') and created_at > $3) < $4
  ), superseded as (
    update security_tokens set revoked_at = $2
    where user_id = (select id from allowed) and purpose = 'password_reset'
      and used_at is null and revoked_at is null
  ), issued as (
    insert into security_tokens (id, token_hash, purpose, user_id, subject, binding, data, created_at, expires_at)
    select $5, $6, 'password_reset', u.id, null,
      encode(sha256($8 || convert_to('password_reset:' || u.id || ':pv' || u.password_version, 'UTF8')), 'hex'),
      null, $2, $7
    from allowed u
  ), queued as (
    insert into email_outbox (priority, id, kind, recipient, sender, user_id, subject, text_body,
      html_body, headers, next_attempt_at, message_id, send_id, created_at)
    select 0, $9, 'password_reset', u.email, $10, u.id, $11, $12, $13, $14, $2, $15, null, $2
    from allowed u
  ), recorded as (
    insert into audit_events (id, at, user_id, event, ip, detail)
    values ($16, $2, (select id from account), 'password_reset.requested', $17,
      case when exists (select 1 from allowed) then '{"sent":true}' else '{"sent":false}' end)
  )
  select exists (select 1 from allowed) into sent;
  return sent;
end
$body$`.execute(db);
}
