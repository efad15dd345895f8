import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import { dialectOf } from '../db/dialect.ts';
import type { Db, User } from '../db/schema.ts';
import { pageLink } from '../links/links.ts';
import { queueMail } from '../mail/queue.ts';
import { recordEvent, transact } from '../webhooks/record.ts';
import { spendActionCode } from './action-codes.ts';
import type { InputError } from './input.ts';
import { type Cooldown, proveOwnPassword, throttleKey } from './login-throttle.ts';
import { lockRecipient } from './mail-caps.ts';
import { MAX_PASSWORD_BYTES } from './passwords.ts';
import { revokeUserSessions } from './sessions.ts';
import { findUserById } from './users.ts';

/**
 * Deleting an account (GDPR art. 17). deleteAccount is the engine, without any proof of who asks:
 * an admin route calls it with its key's name as the actor. deleteOwnAccount, below, is what
 * DELETE /v1/me and the /account/delete page call: the password first, then the engine.
 *
 * In one transaction, under the address's lock (so a sign-up of the same address waits for it):
 * - the user row goes, and with it its sessions, tokens, grants and the invitations it sent (foreign
 *   keys cascade; sessions and tokens are also deleted by name here, so that nothing relies on it);
 *   its open invitations are revoked first, so their links answer "revoked" rather than "unknown";
 * - its login-failure row goes;
 * - mail to it that is not sent yet is dropped, and its sent mail loses address and bodies
 *   (the row stays, with the user id, as the record that a message went out);
 * - invitations it accepted, or that others sent to its address, lose the address;
 * - its audit entries stay, pseudonymous: the user id, never the address (see scrubAddress);
 * - one last notice is queued to the address, and erased in turn once delivered (claims.ts).
 *
 * Why sent mail is scrubbed here rather than by the dispatcher: it is already sent, nothing will
 * touch it again, and doing it in this transaction makes "the address is gone" true at commit for
 * everything but the notice. The notice alone must wait for its delivery, so the dispatcher erases
 * it (ERASED_ON_DELIVERY), which needs no flag on the row: its kind says it.
 *
 * Everything the old account could present afterwards fails: its session and token rows are gone,
 * and the signed links (unsubscribe) name its user id, which no account will have again (ids are
 * fresh UUIDv7s), so a new account with the same address is out of their reach.
 */

export interface DeletionInput {
  userId: string;
  /** Who deleted it, for the audit: 'self', or an admin key's name. */
  actor: string;
  ip: string | null;
  /** A step that must pass first, in the deletion's transaction: the code of an account without a
   * password (action-codes.ts). When it refuses, nothing is deleted. */
  authorise?: (trx: Db, user: User) => Promise<boolean>;
}

export type DeletionResult =
  | { ok: true; sessionsRevoked: number }
  | { ok: false; reason: 'unknown' | 'code_invalid' };

/** Unsent outbox statuses: 'sending' is dropped too; a dispatcher that holds it then writes nothing. */
const UNSENT = ['pending', 'sending'] as const;
const DONE = ['sent', 'failed'] as const;

export async function deleteAccount(ctx: Context, input: DeletionInput): Promise<DeletionResult> {
  const before = await findUserById(ctx.db, input.userId);
  if (before === undefined) return { ok: false, reason: 'unknown' };
  const result = await transact(ctx, async (trx): Promise<DeletionResult> => {
    // The address lock first, then the user row: the order the change of email takes them in.
    await lockRecipient(ctx, trx, before.email_normalized);
    const user = await lockUser(trx, input.userId);
    if (user === undefined) return { ok: false, reason: 'unknown' };
    if (input.authorise !== undefined && !(await input.authorise(trx, user)))
      return { ok: false, reason: 'code_invalid' };
    const addresses = [...new Set([user.email, user.email_normalized])];
    const now = ctx.clock.now();

    await revokeSentInvitations(ctx, trx, user, now);
    await forgetInvitationsTo(ctx, trx, user, now);
    await forgetMail(trx, user, addresses);
    await scrubAuditOf(trx, user.id, addresses);
    await trx.deleteFrom('login_failures').where('key', '=', throttleKey(user.email_normalized)).execute();
    const sessionsRevoked = await revokeUserSessions(ctx, trx, user.id, { reason: 'user_deleted' });
    await trx.deleteFrom('security_tokens').where('user_id', '=', user.id).execute();
    // Tokens the app issued through the token API for this address as their subject.
    await trx.deleteFrom('security_tokens').where('subject', 'in', addresses).execute();
    // Its one-time codes and their attempt budgets (owner keys: src/tokens/codes.ts).
    await trx.deleteFrom('one_time_codes').where('owner', '=', `user:${user.id}`).execute();
    await trx.deleteFrom('code_budgets').where('owner', '=', `user:${user.id}`).execute();
    const subjectOwners = addresses.map((address) => `subject:${address}`);
    await trx.deleteFrom('one_time_codes').where('owner', 'in', subjectOwners).execute();
    await trx.deleteFrom('code_budgets').where('owner', 'in', subjectOwners).execute();
    await trx.deleteFrom('grants').where('user_id', '=', user.id).execute();
    await trx.deleteFrom('users').where('id', '=', user.id).execute();

    await queueMail(
      ctx,
      trx,
      'account_deleted',
      user.email,
      { signUpLink: pageLink(ctx.config, '/signup') },
      { userId: user.id, locale: user.locale },
    );
    await recordAudit(trx, ctx.clock, {
      event: 'user.deleted',
      userId: user.id,
      ip: input.ip,
      // The audit's actor names who acted when it was not the user (an admin key, the CLI).
      actor: input.actor === 'self' ? null : input.actor,
      detail: { actor: input.actor, sessions: sessionsRevoked },
    });
    await recordEvent(ctx, trx, 'user.deleted', { userId: user.id, actor: input.actor });
    return { ok: true, sessionsRevoked };
  });
  return result;
}

async function lockUser(trx: Db, userId: string): Promise<User | undefined> {
  // SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL needs the row lock.
  if (dialectOf(trx) !== 'postgres') return findUserById(trx, userId);
  return trx.selectFrom('users').selectAll().where('id', '=', userId).forUpdate().executeTakeFirst();
}

/**
 * The user's open invitations are revoked with their links; their unsent mail is dropped, and their
 * sent mail, whose subject names the inviter's address, loses it. The rows then go with the user.
 */
async function revokeSentInvitations(ctx: Context, trx: Db, user: User, now: number): Promise<void> {
  const sent = await trx
    .selectFrom('invitations')
    .select(['id', 'token_id', 'email', 'accepted_at', 'revoked_at'])
    .where('inviter_id', '=', user.id)
    .execute();
  for (const invitation of sent) {
    if (invitation.accepted_at !== null || invitation.revoked_at !== null) continue;
    await trx.updateTable('invitations').set({ revoked_at: now }).where('id', '=', invitation.id).execute();
    await ctx.tokens.revokeById(trx, invitation.token_id);
  }
  const recipients = [...new Set(sent.map((i) => i.email))];
  if (recipients.length === 0) return;
  const mails = await trx
    .selectFrom('email_outbox')
    .select(['id', 'status', 'subject'])
    .where('kind', '=', 'invitation')
    .where('recipient', 'in', recipients)
    .execute();
  for (const mail of mails) {
    if (!containsAddress(mail.subject, [user.email])) continue;
    if ((UNSENT as readonly string[]).includes(mail.status)) {
      await trx.deleteFrom('email_outbox').where('id', '=', mail.id).execute();
    } else {
      await trx
        .updateTable('email_outbox')
        .set({
          subject: scrubAddress(mail.subject, [user.email]),
          text_body: null,
          html_body: null,
          headers: null,
        })
        .where('id', '=', mail.id)
        .execute();
    }
  }
}

/**
 * Invitations that name the address: the ones the user accepted (from other inviters) and the ones
 * sent to it that nobody accepted. They belong to their inviters and stay, without the address; an
 * open one is revoked, since no one could accept it any more.
 */
async function forgetInvitationsTo(ctx: Context, trx: Db, user: User, now: number): Promise<void> {
  const open = await trx
    .selectFrom('invitations')
    .select(['id', 'token_id'])
    .where('email_normalized', '=', user.email_normalized)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
  for (const invitation of open) {
    await trx.updateTable('invitations').set({ revoked_at: now }).where('id', '=', invitation.id).execute();
    await ctx.tokens.revokeById(trx, invitation.token_id);
  }
  await trx
    .updateTable('invitations')
    .set({ email: '', email_normalized: '' })
    .where((eb) =>
      eb.or([eb('accepted_by', '=', user.id), eb('email_normalized', '=', user.email_normalized)]),
    )
    .execute();
}

/** Mail to the user or the address: unsent is dropped, sent keeps only its kind, times and ids. */
async function forgetMail(trx: Db, user: User, addresses: string[]): Promise<void> {
  await trx
    .deleteFrom('email_outbox')
    .where((eb) => eb.or([eb('user_id', '=', user.id), eb('recipient', 'in', addresses)]))
    .where('status', 'in', UNSENT)
    .execute();
  await trx
    .updateTable('email_outbox')
    .set({ recipient: '', text_body: null, html_body: null, headers: null })
    .where((eb) => eb.or([eb('user_id', '=', user.id), eb('recipient', 'in', addresses)]))
    .where('status', 'in', DONE)
    .execute();
}

/**
 * The audit trail stays (it is the record of what happened to the account, kept for security), keyed
 * by the user id alone. No flow writes an address into an entry's detail today; this makes sure that
 * none that does later keeps it past the deletion.
 */
async function scrubAuditOf(trx: Db, userId: string, addresses: string[]): Promise<void> {
  const entries = await trx
    .selectFrom('audit_events')
    .select(['id', 'detail'])
    .where('user_id', '=', userId)
    .where('detail', 'is not', null)
    .execute();
  for (const entry of entries) {
    if (entry.detail === null || !containsAddress(entry.detail, addresses)) continue;
    const detail = JSON.parse(entry.detail) as Record<string, unknown>;
    const scrubbed = Object.fromEntries(
      Object.entries(detail).map(([k, v]) => [k, typeof v === 'string' ? scrubAddress(v, addresses) : v]),
    );
    await trx
      .updateTable('audit_events')
      .set({ detail: JSON.stringify(scrubbed) })
      .where('id', '=', entry.id)
      .execute();
  }
}

/** What replaces an erased address in text that stays (a subject, an audit detail). */
export const ERASED = '[deleted account]';

function containsAddress(text: string, addresses: string[]): boolean {
  const lower = text.toLowerCase();
  return addresses.some((a) => lower.includes(a.toLowerCase()));
}

/** The text with every occurrence of the addresses, in any case, replaced by ERASED. */
export function scrubAddress(text: string, addresses: string[]): string {
  let out = text;
  for (const address of addresses) {
    const pattern = new RegExp(address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu');
    out = out.replace(pattern, ERASED);
  }
  return out;
}

export type OwnDeletionResult =
  | { ok: true; sessionsRevoked: number }
  | { ok: false; reason: 'invalid_input'; errors: InputError[] }
  | { ok: false; reason: 'wrong_password' }
  | { ok: false; reason: 'code_invalid' }
  | { ok: false; reason: 'unknown' }
  | ({ ok: false; reason: 'cooling_down' } & Cooldown);

/**
 * A logged-in user deletes their own account. The password is asked again, through the login
 * throttle (proveOwnPassword), so that a stolen session can neither delete the account nor become a
 * password oracle; an account without a password gives the code emailed for this action instead
 * (action-codes.ts), spent in the deletion's transaction. Nothing changes unless it is right.
 */
export async function deleteOwnAccount(
  ctx: Context,
  input: { user: User; currentPassword: string; code?: string | undefined; ip: string | null },
): Promise<OwnDeletionResult> {
  if (input.user.password_hash === null) {
    const { code, ip } = input;
    return deleteAccount(ctx, {
      userId: input.user.id,
      actor: 'self',
      ip,
      authorise: (trx, user) => spendActionCode(ctx, trx, { user, action: 'delete_account', code, ip }),
    });
  }
  const errors: InputError[] = [];
  if (input.currentPassword.length === 0) errors.push({ field: 'currentPassword', message: 'is required' });
  else if (Buffer.byteLength(input.currentPassword, 'utf8') > MAX_PASSWORD_BYTES)
    errors.push({ field: 'currentPassword', message: `must be at most ${MAX_PASSWORD_BYTES} bytes long` });
  if (errors.length > 0) return { ok: false, reason: 'invalid_input', errors };
  const proof = await proveOwnPassword(ctx, {
    user: input.user,
    password: input.currentPassword,
    ip: input.ip,
    during: 'account_deletion',
  });
  if (!proof.ok) return proof;
  // The engine deletes the address's login-failure row, which is what clearAttempts would do.
  return deleteAccount(ctx, { userId: input.user.id, actor: 'self', ip: input.ip });
}
