import { sql } from 'kysely';
import { recordAudit } from '../audit.ts';
import { allowsCode, sendsLink } from '../config/config.ts';
import type { Context } from '../context.ts';
import { dialectOf } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import { postgresStatement, prepared } from '../db/prepared.ts';
import type { Db, User } from '../db/schema.ts';
import { buildLink } from '../links/links.ts';
import { queueMail } from '../mail/queue.ts';
import { PURPOSE } from '../purposes.ts';
import { FINGERPRINT_DOMAIN, hashToken, isWellFormedToken } from '../tokens/secret.ts';
import { type ConsumeValues, consumeUpdate } from '../tokens/statements.ts';
import type { ConsumeFailure } from '../tokens/tokens.ts';
import { recordEvent, transact, webhooksWant } from '../webhooks/record.ts';
import { VERIFY_EMAIL_BINDING_SQL, verifyEmailBinding } from './bindings.ts';
import { revokeUserSessions } from './sessions.ts';
import { findTokenOwner, findUserById } from './users.ts';

/**
 * Issues what the verification email carries, by VERIFY_EMAIL_METHOD: a token, a code, or both
 * (neither supersedes the earlier ones), and queues the email, in the caller's transaction. The
 * caller has checked the per-recipient cap. `browser` is the fingerprint of the asking browser's
 * nonce, when a browser asked (verify-in-browser.ts). Returns false when nothing could be sent: a
 * code-only flow whose codes are in their cool-down after too many wrong guesses.
 */
export async function sendVerificationEmail(
  ctx: Context,
  trx: Db,
  user: User,
  browser: string | null = null,
): Promise<boolean> {
  const method = ctx.config.methods.verifyEmail;
  const binding = verifyEmailBinding(user);
  const code = allowsCode(method) ? await issueVerificationCode(ctx, trx, user) : undefined;
  if (!sendsLink(method) && code === undefined) return false;
  const issued = sendsLink(method)
    ? await ctx.tokens.issue(trx, {
        purpose: PURPOSE.verifyEmail,
        userId: user.id,
        binding,
        data: browser === null ? null : { browser },
        // A resend must not strand the link already in the inbox: earlier links of the same address
        // and password version (the binding) stay valid until they expire, and the verification
        // that spends one revokes the rest (markVerified). The per-recipient cap bounds how many.
        supersede: false,
      })
    : undefined;
  await queueMail(
    ctx,
    trx,
    'verify_email',
    user.email,
    {
      ...(issued === undefined ? {} : { link: buildLink(ctx.config, 'verifyEmail', issued.token) }),
      validFor: ctx.config.tokenTtl.verify_email,
      ...(code === undefined ? {} : { code, codeValidFor: ctx.config.codes.ttlSeconds }),
    },
    { userId: user.id, locale: user.locale },
  );
  return true;
}

/** A verification code; earlier ones stay valid until they expire (a resend must not strand them). */
async function issueVerificationCode(ctx: Context, trx: Db, user: User): Promise<string | undefined> {
  const issued = await ctx.codes.issue(trx, {
    purpose: PURPOSE.verifyEmail,
    userId: user.id,
    binding: verifyEmailBinding(user),
    supersede: false,
  });
  return issued.ok ? issued.code : undefined;
}

export type VerifyResult =
  | { ok: true; status: 'verified' | 'already_verified'; userId: string }
  | { ok: false; reason: ConsumeFailure };

/**
 * Confirms an address: consumes the token (checking it was issued for this address and password),
 * marks the email verified and ends the user's sessions, all in one transaction.
 * A link already consumed on a verified account reports already_verified, so a second click is not
 * an error to the user.
 */
export async function verifyEmail(ctx: Context, token: unknown, ip: string | null): Promise<VerifyResult> {
  if (dialectOf(ctx.db) === 'postgres') {
    // The one statement cannot write the webhook outbox nor tell how many sessions it ended: when
    // an endpoint or a handler wants those, the verification takes the step-by-step transaction.
    if (!(await eventsWanted(ctx))) {
      const done = await verifyInOneStatement(ctx, token, ip);
      if (done !== undefined) {
        if (done.ok && done.status === 'verified')
          await recordEvent(ctx, ctx.db, 'user.email_verified', { userId: done.userId });
        return done;
      }
    }
    return transact(ctx, (trx) => verifyStepByStep(ctx, trx, token, ip));
  }
  return transact(
    ctx,
    async (trx) => (await verifyLiveToken(ctx, trx, token, ip)) ?? verifyStepByStep(ctx, trx, token, ip),
  );
}

async function eventsWanted(ctx: Context): Promise<boolean> {
  if (ctx.events.has('session.revoked')) return true;
  return (await webhooksWant(ctx, 'user.email_verified')) || (await webhooksWant(ctx, 'session.revoked'));
}

/** The verification, statement by statement, in the caller's transaction. Explains every failure. */
async function verifyStepByStep(
  ctx: Context,
  trx: Db,
  token: unknown,
  ip: string | null,
): Promise<VerifyResult> {
  const user = await findTokenOwner(trx, PURPOSE.verifyEmail, token);
  if (user === undefined) return failed('unknown');
  const consumed = await ctx.tokens.consume(trx, {
    purpose: PURPOSE.verifyEmail,
    token,
    binding: verifyEmailBinding(user),
  });
  if (!consumed.ok) {
    if (consumed.reason === 'used' && (await isVerified(trx, user.id))) {
      return { ok: true, status: 'already_verified', userId: user.id };
    }
    return failed(consumed.reason);
  }
  return markVerified(ctx, trx, user.id, ip);
}

/**
 * SQLite: the verification of a token that is live and bound to the account as it is now, with the
 * consume and the binding check in one statement (the binding computed from the users row, as on
 * PostgreSQL). The step-by-step path first read the account through the token, then consumed the
 * token: the same index walk twice, 14% of the flow's CPU without HTTP (docs/design.md, Storage decisions).
 * When it consumes nothing, verifyStepByStep runs next in the same transaction and says why.
 */
async function verifyLiveToken(
  ctx: Context,
  trx: Db,
  token: unknown,
  ip: string | null,
): Promise<VerifyResult | undefined> {
  if (!isWellFormedToken(token)) return undefined;
  const consumed = await consumeBoundToAccount.first(trx, {
    now: ctx.clock.now(),
    hash: hashToken(token),
    purpose: PURPOSE.verifyEmail,
    domain: FINGERPRINT_DOMAIN,
  });
  if (consumed?.user_id == null) return undefined;
  ctx.tokens.countConsume(PURPOSE.verifyEmail, 'ok');
  return markVerified(ctx, trx, consumed.user_id, ip);
}

/** After the consume (of a token or a code): marks the address verified, unless it already was, and ends the sessions. */
export async function markVerified(
  ctx: Context,
  trx: Db,
  userId: string,
  ip: string | null,
): Promise<VerifyResult & { ok: true }> {
  const now = ctx.clock.now();
  if ((await markUnverifiedVerified.affected(trx, { id: userId, now })) === 0) {
    return { ok: true, status: 'already_verified', userId };
  }
  // The address is proven: every other live link and code of the verification is spent with it.
  await ctx.tokens.revoke(trx, PURPOSE.verifyEmail, { userId });
  await ctx.codes.revoke(trx, PURPOSE.verifyEmail, { userId });
  const revoked = await revokeUserSessions(ctx, trx, userId, { reason: 'email_verified' });
  await recordAudit(trx, ctx.clock, { event: 'user.email_verified', userId, ip });
  await recordEvent(ctx, trx, 'user.email_verified', { userId });
  if (revoked > 0) {
    await recordAudit(trx, ctx.clock, {
      event: 'sessions.revoked',
      userId,
      ip,
      detail: { reason: 'email_verified', count: revoked },
    });
  }
  return { ok: true, status: 'verified', userId };
}

// The binding is verifyEmailBinding over the token owner's row, in SQL (sha256_hex: src/db/sqlite/open.ts).
const consumeBoundToAccount = prepared((db, p: ConsumeValues & { domain: Uint8Array }) =>
  consumeUpdate(db, p)
    .where(
      'binding',
      '=',
      sql<string>`(select sha256_hex(${p.domain}, ${sql.raw(VERIFY_EMAIL_BINDING_SQL)}) from users u
        where u.id = security_tokens.user_id)`,
    )
    .returning('user_id'),
);

/**
 * PostgreSQL: the same verification as one statement, for a token that is live and bound to the
 * account as it is now. There every statement is a round trip and costs the server about as much
 * as the work in it: the transaction's seven statements did 2,200/s, this one 5,800/s (driver
 * alone, same pool, 32 callers; docs/design.md, Storage decisions). It changes exactly what the transaction
 * changes. When it consumes nothing, the transaction runs after it and says why (used, expired, a
 * stale binding…), so every failure is reported in one place; a token's consume is decided by one
 * conditional UPDATE either way.
 *
 * The binding is computed from the user row inside the statement (verifyEmailBinding in SQL), so it
 * is checked against the account as it is when the token is consumed.
 */
async function verifyInOneStatement(
  ctx: Context,
  token: unknown,
  ip: string | null,
): Promise<VerifyResult | undefined> {
  if (!isWellFormedToken(token)) return undefined;
  const now = ctx.clock.now();
  const [row] = await verifyStatement.rows(ctx.db, [
    hashToken(token),
    now,
    FINGERPRINT_DOMAIN,
    newId(now),
    newId(now),
    ip,
  ]);
  if (row === undefined) return undefined;
  ctx.tokens.countConsume(PURPOSE.verifyEmail, 'ok');
  return { ok: true, status: row.newly_verified ? 'verified' : 'already_verified', userId: row.user_id };
}

// $1 token hash, $2 now, $3 fingerprint domain, $4 and $5 audit ids, $6 client IP. The consume's
// conditions are the token engine's (consumeUpdate in src/tokens/statements.ts); the other live
// links and codes are revoked as markVerified does (the codes' owner key: src/tokens/codes.ts).
const verifyStatement = postgresStatement<{ user_id: string; newly_verified: boolean }>(`
with consumed as (
  update security_tokens t set used_at = $2
  from users u
  where t.token_hash = $1 and t.purpose = '${PURPOSE.verifyEmail}'
    and t.used_at is null and t.revoked_at is null and t.expires_at > $2
    and u.id = t.user_id
    and t.binding = encode(sha256($3::bytea || convert_to(${VERIFY_EMAIL_BINDING_SQL}, 'UTF8')), 'hex')
  returning t.user_id
), verified as (
  update users set email_verified_at = $2, updated_at = $2
  where id = (select user_id from consumed) and email_verified_at is null
  returning id
), other_links as (
  update security_tokens set revoked_at = $2
  where user_id = (select id from verified) and purpose = '${PURPOSE.verifyEmail}'
    and token_hash <> $1 and used_at is null and revoked_at is null
), other_codes as (
  update one_time_codes set revoked_at = $2
  where owner = 'user:' || (select id from verified) and purpose = '${PURPOSE.verifyEmail}'
    and used_at is null and revoked_at is null
), ended as (
  delete from sessions where user_id = (select id from verified) returning 1
), revoked as (
  select count(*) as n from ended
), verified_event as (
  insert into audit_events (id, at, user_id, event, ip, detail)
  select $4, $2, id, 'user.email_verified', $6, null from verified
), sessions_event as (
  insert into audit_events (id, at, user_id, event, ip, detail)
  select $5, $2, v.id, 'sessions.revoked', $6, '{"reason":"email_verified","count":' || r.n || '}'
  from verified v, revoked r where r.n > 0
)
select user_id, exists (select 1 from verified) as newly_verified from consumed`);

const markUnverifiedVerified = prepared((db, p: { id: string; now: number }) =>
  db
    .updateTable('users')
    .set({ email_verified_at: p.now, updated_at: p.now })
    .where('id', '=', p.id)
    .where('email_verified_at', 'is', null),
);

function failed(reason: ConsumeFailure): VerifyResult {
  return { ok: false, reason };
}

async function isVerified(db: Db, userId: string): Promise<boolean> {
  const user = await findUserById(db, userId);
  return user?.email_verified_at != null;
}
