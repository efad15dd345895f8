import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * One-time codes (src/tokens/codes.ts): short numeric codes typed by a person, stored as an HMAC
 * under a key that is not in the database, and the attempt budget they share per owner and purpose.
 *
 * A code is not unique the way a token is (a million values), so it is found by owner and purpose
 * first, never by its hash alone. The budget is one row per (purpose, owner): wrong guesses are
 * counted by an atomic increment of that row, whichever code they were aimed at, so a resend
 * (a new code) does not give a guesser a fresh count.
 *
 * security_tokens.superseded_by: the id of the newer token whose issue revoked this one, so that
 * the page of an old link can say "a newer link was sent at HH:MM" (token_superseded) rather than
 * treat it as any revoked link. Null for every token revoked before this migration, and for other
 * revocations. PostgreSQL: oto_request_password_reset (migration 0008) is replaced by the same
 * function that also sets it.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('one_time_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    // 'user:<id>' or 'subject:<subject>': the budget's owner key too.
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('binding', 'text')
    .addColumn('data', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('one_time_codes_by_owner')
    .on('one_time_codes')
    .columns(['owner', 'purpose'])
    .execute();
  await db.schema
    .createIndex('one_time_codes_expires_at')
    .on('one_time_codes')
    .column('expires_at')
    .execute();

  await db.schema
    .createTable('code_budgets')
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // Wrong guesses count until the last live code of the owner and purpose expires.
    .addColumn('window_ends_at', 'bigint', (c) => c.notNull())
    .addColumn('cooldown_until', 'bigint')
    .addPrimaryKeyConstraint('code_budgets_pk', ['purpose', 'owner'])
    .execute();
  // The purge finds budgets whose window closed through this (src/jobs/purge.ts).
  await db.schema
    .createIndex('code_budgets_window_ends_at')
    .on('code_budgets')
    .column('window_ends_at')
    .execute();

  await db.schema.alterTable('security_tokens').addColumn('superseded_by', 'text').execute();
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
