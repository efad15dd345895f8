import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * Disabled accounts and the admin API (src/accounts/user-status.ts, src/accounts/user-search.ts):
 * - users.disabled_at and disabled_reason: set by an operator; a disabled account cannot log in,
 *   its sessions stop working, and no reset or verification link is sent to it;
 * - audit_events.actor: who did what the entry records when it was not the user: an API key's name
 *   or the CLI. Null for the user's own actions, as every entry before this migration;
 * - users (created_at, id): the admin listing pages through users in that order.
 *
 * PostgreSQL: oto_request_password_reset (migration 0006) is replaced by the same function with
 * one more condition, that the account is not disabled. A disabled account then takes the path of
 * an address without one: the request is recorded, nothing is issued or queued, and the caller's
 * uniform timing (src/uniform-timing.ts) makes it last as long as one that sends.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('users').addColumn('disabled_at', 'bigint').execute();
  await db.schema.alterTable('users').addColumn('disabled_reason', 'text').execute();
  await db.schema.alterTable('audit_events').addColumn('actor', 'text').execute();
  await db.schema.createIndex('users_created_at_id').on('users').columns(['created_at', 'id']).execute();
  if (dialectOf(db) !== 'postgres') return;
  await sql`
create or replace function oto_request_password_reset(
  text, bigint, bigint, integer, text, text, bigint, bytea,
  text, text, text, text, text, text, text, text, text, bigint
) returns boolean language plpgsql volatile as $body$
declare
  sent boolean;
begin
  perform pg_advisory_xact_lock($18);
  with account as (
    select id, email, password_version, disabled_at from users where email_normalized = $1
  ), allowed as (
    select a.id, a.email, a.password_version from account a
    where a.disabled_at is null
      and (select count(*) from email_outbox
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
