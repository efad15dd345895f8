import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * PostgreSQL only: the password reset request back to one round trip (issue 22). Since users.locale
 * (migration 0013) the email is written in the recipient's language, and the caller read the
 * account first to learn it, a second round trip on every request. The function now takes the
 * email in every language the deployment sends, and queues the one matching users.locale, in the
 * statement that finds the account; the caller reads nothing first.
 *
 * The languages are an array, the default language first, with the renditions' parts in arrays of
 * the same order. A recipient without a language, or with one not in the array (a language oto no
 * longer speaks), gets the first: as recipientLocale decides in src/mail/queue.ts.
 *
 * Otherwise it is migration 0011's function, statement for statement.
 *
 * $1 address (normalised), $2 now, $3 start of the cap's window, $4 the cap, $5 token id, $6 token
 * hash, $7 token expiry, $8 fingerprint domain, $9 outbox id, $10 sender, $11 Message-ID,
 * $12 languages, $13 subjects, $14 text bodies, $15 HTML bodies, $16 headers (one per language),
 * $17 audit id, $18 IP, $19 the address's advisory lock key. Returns whether a link was issued and
 * its email queued.
 *
 * The 18-argument function of migration 0011 stays, as a call of this one with its single email:
 * between `oto migrate` and its restart, an instance of the previous release still calls it.
 */
export async function up(db: AnyDb): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  await sql`
create function oto_request_password_reset(
  text, bigint, bigint, integer, text, text, bigint, bytea,
  text, text, text, text[], text[], text[], text[], text[], text, text, bigint
) returns boolean language plpgsql volatile as $body$
declare
  sent boolean;
begin
  perform pg_advisory_xact_lock($19);
  with account as (
    select id, email, password_version, disabled_at, locale from users where email_normalized = $1
  ), allowed as (
    select a.id, a.email, a.password_version, coalesce(array_position($12, a.locale), 1) as rendition
    from account a
    where a.disabled_at is null
      and (select count(*) from email_outbox
           where recipient = a.email and kind in ('password_reset') and created_at > $3) < $4
  ), superseded as (
    update security_tokens set revoked_at = $2, superseded_by = $5
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
    select 0, $9, 'password_reset', u.email, $10, u.id, $13[u.rendition], $14[u.rendition],
      $15[u.rendition], $16[u.rendition], $2, $11, null, $2
    from allowed u
  ), recorded as (
    insert into audit_events (id, at, user_id, event, ip, detail)
    values ($17, $2, (select id from account), 'password_reset.requested', $18,
      case when exists (select 1 from allowed) then '{"sent":true}' else '{"sent":false}' end)
  )
  select exists (select 1 from allowed) into sent;
  return sent;
end
$body$`.execute(db);
  // No languages: every account gets the first (and only) rendition.
  await sql`
create or replace function oto_request_password_reset(
  text, bigint, bigint, integer, text, text, bigint, bytea,
  text, text, text, text, text, text, text, text, text, bigint
) returns boolean language sql volatile as $body$
  select oto_request_password_reset($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $15,
    '{}'::text[], array[$11], array[$12], array[$13], array[$14], $16, $17, $18)
$body$`.execute(db);
}
