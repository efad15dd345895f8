import { recordAudit } from '../audit.ts';
import { allowsCode, sendsLink } from '../config/config.ts';
import type { Context } from '../context.ts';
import { dialectOf } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import { postgresStatement } from '../db/prepared.ts';
import type { Db, User } from '../db/schema.ts';
import { buildLink, pageLink } from '../links/links.ts';
import { queueMail, renderedMailInEachLocale } from '../mail/queue.ts';
import { PURPOSE } from '../purposes.ts';
import { FINGERPRINT_DOMAIN, generateToken, hashToken } from '../tokens/secret.ts';
import type { ConsumeFailure } from '../tokens/tokens.ts';
import { recordEvent, transact } from '../webhooks/record.ts';
import { passwordResetBinding } from './bindings.ts';
import { checkEmail, type InputError } from './input.ts';
import { clearAttempts } from './login-throttle.ts';
import { CAP_WINDOW_MS, lockRecipientAndFindUser, recipientLockKey, underCap } from './mail-caps.ts';
import { hashPassword, passwordProblems } from './passwords.ts';
import { revokeUserSessions } from './sessions.ts';
import { findTokenOwner, findUserById, normalizeEmail } from './users.ts';

export type RequestResetResult = { ok: true } | { ok: false; errors: InputError[] };

/**
 * Forgot password: for an existing account under its cap, issue a reset token bound to the current
 * password version (superseding older ones) and queue the email. Nothing else about the account
 * changes: the old password keeps working and no cool-down starts. The caller answers the same way
 * whether or not the address has an account.
 */
export async function requestPasswordReset(
  ctx: Context,
  input: { email: string; ip: string | null },
): Promise<RequestResetResult> {
  const errors = checkEmail(input.email);
  if (errors.length > 0) return { ok: false, errors };
  const emailNormalized = normalizeEmail(input.email);
  const startedAt = performance.now();
  // The one-call PostgreSQL path mails a link only; a flow with codes takes the statements' path.
  const sent =
    dialectOf(ctx.db) === 'postgres' && ctx.config.methods.resetPassword === 'link'
      ? await requestResetInOneCall(ctx, emailNormalized, input.ip)
      : await ctx.db
          .transaction()
          .execute((trx) => requestResetStatementByStatement(ctx, trx, emailNormalized, input.ip));
  await ctx.timing.passwordResetRequest.ended(startedAt, sent);
  return { ok: true };
}

/**
 * An operator sends a user the usual reset link (the admin API, `oto users send-reset`): the same
 * transaction as a request from the forgot-password form, under the same cap, recorded with the
 * operator as its actor. The operator knows the account exists, so the answer says whether a link
 * went out (not for a disabled account, nor past the cap).
 */
export async function sendResetLinkAsOperator(
  ctx: Context,
  user: { email_normalized: string },
  by: { actor: string; ip: string | null },
): Promise<boolean> {
  return ctx.db
    .transaction()
    .execute((trx) => requestResetStatementByStatement(ctx, trx, user.email_normalized, by.ip, by.actor));
}

/** Returns whether a link was sent. */
async function requestResetStatementByStatement(
  ctx: Context,
  trx: Db,
  emailNormalized: string,
  ip: string | null,
  actor: string | null = null,
): Promise<boolean> {
  const user = await lockRecipientAndFindUser(ctx, trx, emailNormalized);
  // A disabled account gets nothing, as an address without an account (migration 0008).
  if (user === undefined || user.disabled_at !== null || !(await underCap(ctx, trx, user.email, 'reset'))) {
    // Every path commits a write, and waits as long as one that sends (ctx.timing in
    // requestPasswordReset): a known and an unknown address take the same time.
    await recordAudit(trx, ctx.clock, {
      event: 'password_reset.requested',
      userId: user?.id ?? null,
      ip,
      actor,
      detail: { sent: false },
    });
    return false;
  }
  await queueResetEmail(ctx, trx, user);
  await recordAudit(trx, ctx.clock, {
    event: 'password_reset.requested',
    userId: user.id,
    ip,
    actor,
    detail: { sent: true },
  });
  return true;
}

/**
 * Issues what the reset email carries, by RESET_PASSWORD_METHOD (a link, a code or both, each
 * superseding the user's earlier ones: a reset request voids older reset links), and queues it.
 * A code in its cool-down is left out; a code-only email then still goes, without a code, so the
 * answer and the outbox look as they always do, and says to wait.
 */
async function queueResetEmail(ctx: Context, trx: Db, user: User): Promise<void> {
  const method = ctx.config.methods.resetPassword;
  const issued = sendsLink(method)
    ? await ctx.tokens.issue(trx, {
        purpose: PURPOSE.passwordReset,
        userId: user.id,
        binding: passwordResetBinding(user),
      })
    : undefined;
  const code = allowsCode(method)
    ? await ctx.codes.issue(trx, {
        purpose: PURPOSE.passwordReset,
        userId: user.id,
        binding: passwordResetBinding(user),
      })
    : undefined;
  if (issued === undefined && !code?.ok) return;
  await queueMail(
    ctx,
    trx,
    'password_reset',
    user.email,
    {
      ...(issued === undefined ? {} : { link: buildLink(ctx.config, 'resetPassword', issued.token) }),
      validFor: ctx.config.tokenTtl.password_reset,
      ...(code?.ok ? { code: code.code, codeValidFor: ctx.config.codes.ttlSeconds } : {}),
    },
    { userId: user.id, locale: user.locale },
  );
}

/**
 * PostgreSQL: the same request in one call of oto_request_password_reset (migration 0006, which
 * says why it is a function; its arguments are those of migration 0015): one round trip and one
 * autocommit transaction. It takes the recipient's lock, then reads the account and its recent
 * reset emails, and, for an account under its cap, supersedes its live reset tokens, inserts the
 * new one bound to its password version, queues the email and records the request; for any other
 * address only the record.
 *
 * The token and the email are made before the account is known, for every address: that costs the
 * same whether or not it has an account, and is discarded when it has none. The email is written in
 * every language the deployment sends (mailLocales: with the catalogues of today, two) and the
 * function queues the one of users.locale, or of DEFAULT_LOCALE: reading the account's language
 * first would be a second round trip. The second rendition costs about 10 µs, the read it replaces
 * 0.2-0.5 ms (both measured on a busy test machine), and every address pays it alike, so the timing
 * stays uniform.
 */
async function requestResetInOneCall(
  ctx: Context,
  emailNormalized: string,
  ip: string | null,
): Promise<boolean> {
  const now = ctx.clock.now();
  const token = generateToken();
  const mail = renderedMailInEachLocale(ctx, 'password_reset', {
    link: buildLink(ctx.config, 'resetPassword', token),
    validFor: ctx.config.tokenTtl.password_reset,
  });
  const [row] = await resetRequestCall.rows(ctx.db, [
    emailNormalized,
    now,
    now - CAP_WINDOW_MS,
    ctx.config.mail.capResetPerHour,
    newId(now),
    hashToken(token),
    now + ctx.config.tokenTtl.password_reset * 1000,
    FINGERPRINT_DOMAIN,
    mail.id,
    mail.sender,
    mail.messageId,
    mail.locales,
    mail.subjects,
    mail.textBodies,
    mail.htmlBodies,
    mail.headers,
    newId(now),
    ip,
    recipientLockKey(emailNormalized),
  ]);
  if (!row?.sent) return false;
  ctx.tokens.countIssue(PURPOSE.passwordReset);
  return true;
}

// The parameters, in order, are listed in the migration that creates the function (0015).
const resetRequestCall = postgresStatement<{ sent: boolean }>(
  'select oto_request_password_reset($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) as sent',
);

export type ResetLinkState = 'active' | ConsumeFailure;

/** The state of a reset link, for its landing page: nothing is consumed. */
export async function inspectResetLink(ctx: Context, token: unknown): Promise<ResetLinkState> {
  const inspection = await ctx.tokens.inspect(ctx.db, PURPOSE.passwordReset, token);
  return inspection.state;
}

/** When the newer reset link that superseded this one was sent, or null (see tokens.supersededAt). */
export function resetLinkSupersededAt(ctx: Context, token: unknown): Promise<number | null> {
  return ctx.tokens.supersededAt(ctx.db, PURPOSE.passwordReset, token);
}

/**
 * "Send me another link", from the page of a reset link that cannot be used: the usual request
 * (same cap, same record), for the account the link was sent to. Holding the link proves the
 * mailbox once received mail for that account; the page answers the same whatever happens.
 */
export async function requestResetForLink(ctx: Context, token: unknown, ip: string | null): Promise<void> {
  const owner = await findTokenOwner(ctx.db, PURPOSE.passwordReset, token);
  if (owner !== undefined) await requestPasswordReset(ctx, { email: owner.email, ip });
}

export type ResetResult =
  | { ok: true; userId: string }
  | { ok: false; reason: 'invalid_password'; errors: InputError[] }
  | { ok: false; reason: ConsumeFailure };

/**
 * Sets a new password from a reset link.
 * 1. The password is judged first; a refused one leaves the token usable.
 * 2. Then, in one transaction: consume the token (bound to the password version, so a link from
 *    before another password change fails), store the new hash, bump the password version, end
 *    every session, revoke every other reset and verification token, mark the email verified (the
 *    mailbox was just proven), lift any login cool-down, and queue the "password changed" notice.
 * The user is not logged in: they log in with the new password, which proves they know it.
 */
export async function resetPassword(
  ctx: Context,
  input: { token: unknown; password: string; ip: string | null },
): Promise<ResetResult> {
  const early = passwordProblems(ctx.config, input.password);
  if (early.length > 0) return invalidPassword(early);

  const inspection = await ctx.tokens.inspect(ctx.db, PURPOSE.passwordReset, input.token);
  if (inspection.state === 'revoked' && (await resetLinkSupersededAt(ctx, input.token)) !== null)
    return { ok: false, reason: 'superseded' };
  if (inspection.state !== 'active' || inspection.token.userId === null) {
    return { ok: false, reason: inspection.state === 'active' ? 'unknown' : inspection.state };
  }
  const owner = await findUserById(ctx.db, inspection.token.userId);
  if (owner === undefined) return { ok: false, reason: 'unknown' };
  const problems = passwordProblems(ctx.config, input.password, { email: owner.email });
  if (problems.length > 0) return invalidPassword(problems);
  const passwordHash = await hashPassword(input.password);

  const result = await transact(ctx, async (trx): Promise<ResetResult> => {
    const user = await findUserById(trx, owner.id);
    if (user === undefined) return { ok: false, reason: 'unknown' };
    const consumed = await ctx.tokens.consume(trx, {
      purpose: PURPOSE.passwordReset,
      token: input.token,
      binding: passwordResetBinding(user),
    });
    if (!consumed.ok) return { ok: false, reason: consumed.reason };
    await completeReset(ctx, trx, user, passwordHash, input.ip);
    return { ok: true, userId: user.id };
  });
  return result;
}

/**
 * After the consume of a reset link or code, in its transaction: store the new hash, bump the
 * password version, end every session, revoke every other reset and verification link and code,
 * mark the email verified (the mailbox was just proven), lift any login cool-down, and queue the
 * "password changed" notice.
 */
export async function completeReset(
  ctx: Context,
  trx: Db,
  user: User,
  passwordHash: string,
  ip: string | null,
): Promise<void> {
  const now = ctx.clock.now();
  await trx
    .updateTable('users')
    .set((eb) => ({
      password_hash: passwordHash,
      password_version: eb('password_version', '+', 1),
      email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(now)),
      updated_at: now,
    }))
    .where('id', '=', user.id)
    .execute();
  await clearAttempts(trx, { email: user.email_normalized });
  const revoked = await revokeUserSessions(ctx, trx, user.id, { reason: 'password_reset' });
  await ctx.tokens.revoke(trx, PURPOSE.passwordReset, { userId: user.id });
  await ctx.tokens.revoke(trx, PURPOSE.verifyEmail, { userId: user.id });
  await ctx.codes.revoke(trx, PURPOSE.passwordReset, { userId: user.id });
  await ctx.codes.revoke(trx, PURPOSE.verifyEmail, { userId: user.id });
  await queueMail(
    ctx,
    trx,
    'password_changed',
    user.email,
    { resetLink: pageLink(ctx.config, '/forgot-password') },
    { userId: user.id, locale: user.locale },
  );
  await recordAudit(trx, ctx.clock, { event: 'password_reset.completed', userId: user.id, ip });
  await recordAudit(trx, ctx.clock, {
    event: 'sessions.revoked',
    userId: user.id,
    ip,
    detail: { reason: 'password_reset', count: revoked },
  });
  await recordEvent(ctx, trx, 'user.password_changed', { userId: user.id, via: 'reset' });
}

export function invalidPassword(messages: string[]): ResetResult {
  return {
    ok: false,
    reason: 'invalid_password',
    errors: messages.map((message) => ({ field: 'password', message })),
  };
}
