import type { InputError } from '../accounts/input.ts';
import { CAP_WINDOW_MS, rowsSince } from '../accounts/mail-caps.ts';
import { cleanEmail, emailProblem, findUserByNormalizedEmail, normalizeEmail } from '../accounts/users.ts';
import { recordAudit } from '../audit.ts';
import type { Millis } from '../clock.ts';
import type { Context } from '../context.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { newId } from '../db/ids.ts';
import type { Db, User } from '../db/schema.ts';
import { buildLink } from '../links/links.ts';
import { queueMail } from '../mail/queue.ts';
import { PURPOSE } from '../purposes.ts';
import { recordEvent, transact } from '../webhooks/record.ts';
import { DEFAULT_ROLE, DEFAULT_SCOPE, OWNER_ROLE, ROLE_PATTERN, SCOPE_PATTERN } from './grants.ts';

/**
 * Invitations: a logged-in user invites an address into a scope with a role; the invitee accepts
 * from the emailed link, and a grant (user, scope, role, invited_by) records the outcome for the app.
 *
 * No user row exists for an invitee until acceptance. That is what makes an expired or revoked
 * invitation unredeemable by any other path: there is no half-made account that a password reset or
 * a sign-up could complete, only a token, and every way to consume it checks the invitation.
 *
 * This file invites (create, list, revoke, under the hourly caps); accepting.ts reads and accepts
 * the links, and grants.ts holds what acceptance writes for the app.
 */

// Invitations make oto send mail to addresses of the inviter's choosing: these caps keep an account
// from being used as a mail cannon, or a re-invite loop from flooding one person.
const INVITATIONS_PER_INVITER_PER_HOUR = 50;
const INVITATIONS_PER_ADDRESS_PER_HOUR = 10;
/** GET /v1/invitations lists at most this many open invitations, newest first. */
export const LIST_LIMIT = 500;

export interface InvitationView {
  id: string;
  email: string;
  scope: string;
  role: string;
  expiresAt: Millis;
  createdAt: Millis;
}

export type InviteResult =
  | { ok: true; invitation: InvitationView }
  | { ok: false; reason: 'invalid_input'; errors: InputError[] }
  | { ok: false; reason: 'not_allowed' | 'rate_limited' };

export async function invite(
  ctx: Context,
  inviter: User,
  input: { email: string; scope?: string; role?: string },
  ip: string | null,
): Promise<InviteResult> {
  const scope = input.scope ?? DEFAULT_SCOPE;
  const role = input.role ?? DEFAULT_ROLE;
  const errors = checkInvitation(input.email, scope, role);
  if (errors.length > 0) return { ok: false, reason: 'invalid_input', errors };
  if (!(await mayInvite(ctx.db, inviter, scope, role))) return { ok: false, reason: 'not_allowed' };
  if (await overCaps(ctx, inviter.id, normalizeEmail(input.email)))
    return { ok: false, reason: 'rate_limited' };
  try {
    return { ok: true, invitation: await createInvitation(ctx, inviter, input.email, scope, role, ip) };
  } catch (error) {
    // Another invitation to the same address and scope committed in between: supersede it in turn.
    if (!isUniqueViolation(error)) throw error;
    return { ok: true, invitation: await createInvitation(ctx, inviter, input.email, scope, role, ip) };
  }
}

function checkInvitation(email: string, scope: string, role: string): InputError[] {
  const errors: InputError[] = [];
  const problem = emailProblem(email);
  if (problem !== null) errors.push({ field: 'email', message: problem });
  if (!SCOPE_PATTERN.test(scope)) {
    errors.push({
      field: 'scope',
      message: 'must be 1 to 128 letters, digits or _ . : / @ -, starting with a letter or digit',
    });
  }
  if (!ROLE_PATTERN.test(role)) {
    errors.push({
      field: 'role',
      message: 'must be 1 to 64 letters, digits or _ . : -, starting with a letter or digit',
    });
  }
  return errors;
}

/**
 * Who may invite whom to what. Grants are what an app reads roles from, so an invitation must not be
 * a way to hand out a role one does not hold: anyone verified may invite to the default scope as a
 * member (bring a friend to the app); beyond that, the inviter must hold the same role in the scope,
 * or its owner role. The first owner of a scope is granted by the app's backend (POST /v1/grants).
 */
export async function mayInvite(db: Db, inviter: User, scope: string, role: string): Promise<boolean> {
  if (inviter.email_verified_at === null) return false;
  if (scope === DEFAULT_SCOPE && role === DEFAULT_ROLE) return true;
  const held = await db
    .selectFrom('grants')
    .select('role')
    .where('user_id', '=', inviter.id)
    .where('scope', '=', scope)
    .where('role', 'in', [role, OWNER_ROLE])
    .executeTakeFirst();
  return held !== undefined;
}

async function overCaps(ctx: Context, inviterId: string, emailNormalized: string): Promise<boolean> {
  const since = ctx.clock.now() - CAP_WINDOW_MS;
  return (
    (await recentByInviter(ctx.db, inviterId, since)) >= INVITATIONS_PER_INVITER_PER_HOUR ||
    (await recentToAddress(ctx.db, emailNormalized, since)) >= INVITATIONS_PER_ADDRESS_PER_HOUR
  );
}
const recentByInviter = rowsSince('invitations', 'inviter_id');
const recentToAddress = rowsSince('invitations', 'email_normalized');

/** Supersedes the open invitation of the address to the scope, if any, then issues and mails a new one. */
async function createInvitation(
  ctx: Context,
  inviter: User,
  rawEmail: string,
  scope: string,
  role: string,
  ip: string | null,
): Promise<InvitationView> {
  const email = cleanEmail(rawEmail);
  const emailNormalized = normalizeEmail(rawEmail);
  return transact(ctx, async (trx) => {
    const now = ctx.clock.now();
    const open = await trx
      .selectFrom('invitations')
      .select(['id', 'token_id'])
      .where('scope', '=', scope)
      .where('email_normalized', '=', emailNormalized)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute();
    for (const old of open) await revokeRow(ctx, trx, old, now);

    const id = newId(now);
    const issued = await ctx.tokens.issue(trx, {
      purpose: PURPOSE.invitation,
      subject: `invitation:${id}`,
      binding: invitationBinding(id, emailNormalized),
      data: { invitationId: id },
      ttlSeconds: ctx.config.tokenTtl.invitation,
      supersede: false,
    });
    await trx
      .insertInto('invitations')
      .values({
        id,
        inviter_id: inviter.id,
        email,
        email_normalized: emailNormalized,
        scope,
        role,
        token_id: issued.id,
        created_at: now,
        expires_at: issued.expiresAt,
      })
      .execute();
    // In the invitee's language when the address has an account, else in the inviter's: a team
    // tends to share one, and DEFAULT_LOCALE is the last guess.
    const invitee = await findUserByNormalizedEmail(trx, emailNormalized);
    await queueMail(
      ctx,
      trx,
      'invitation',
      email,
      {
        link: buildLink(ctx.config, 'invite', issued.token),
        validFor: ctx.config.tokenTtl.invitation,
        inviter: inviter.email,
        scope: scope === DEFAULT_SCOPE ? ctx.config.appName : scope,
        role,
      },
      { locale: invitee?.locale ?? inviter.locale },
    );
    await recordAudit(trx, ctx.clock, {
      event: 'invitation.sent',
      userId: inviter.id,
      ip,
      detail: { invitationId: id, scope, role, superseded: open.length },
    });
    await recordEvent(ctx, trx, 'invitation.created', {
      invitationId: id,
      inviterId: inviter.id,
      email,
      scope,
      role,
    });
    return { id, email, scope, role, expiresAt: issued.expiresAt, createdAt: now };
  });
}

/** The token is bound to its invitation and the invited address. */
export function invitationBinding(invitationId: string, emailNormalized: string): string {
  return `invitation:${invitationId}:${emailNormalized}`;
}

async function revokeRow(ctx: Context, trx: Db, row: { id: string; token_id: string }, now: Millis) {
  await trx.updateTable('invitations').set({ revoked_at: now }).where('id', '=', row.id).execute();
  await ctx.tokens.revokeById(trx, row.token_id);
}

/** The inviter's open invitations: not accepted, not revoked, not expired. */
export async function listOpenInvitations(ctx: Context, inviterId: string): Promise<InvitationView[]> {
  const rows = await ctx.db
    .selectFrom('invitations')
    .select(['id', 'email', 'scope', 'role', 'expires_at', 'created_at'])
    .where('inviter_id', '=', inviterId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', ctx.clock.now())
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(LIST_LIMIT)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    scope: r.scope,
    role: r.role,
    expiresAt: r.expires_at,
    createdAt: r.created_at,
  }));
}

export type RevokeResult = 'revoked' | 'not_found' | 'not_open';

/** The inviter revokes one of their invitations. Someone else's is 'not_found', as if it did not exist. */
export async function revokeInvitation(
  ctx: Context,
  inviterId: string,
  invitationId: string,
  ip: string | null,
): Promise<RevokeResult> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('invitations')
      .select(['id', 'token_id', 'accepted_at', 'revoked_at'])
      .where('id', '=', invitationId)
      .where('inviter_id', '=', inviterId)
      .executeTakeFirst();
    if (row === undefined) return 'not_found';
    if (row.accepted_at !== null || row.revoked_at !== null) return 'not_open';
    await revokeRow(ctx, trx, row, ctx.clock.now());
    await recordAudit(trx, ctx.clock, {
      event: 'invitation.revoked',
      userId: inviterId,
      ip,
      detail: { invitationId },
    });
    return 'revoked';
  });
}
