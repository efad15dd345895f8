import { humanDuration, type InputError } from '../accounts/input.ts';
import { hashPassword, passwordProblems } from '../accounts/passwords.ts';
import { type CreatedSession, createSession, revokeUserSessions } from '../accounts/sessions.ts';
import { cleanEmail, emailProblem, normalizeEmail } from '../accounts/users.ts';
import { recordAudit } from '../audit.ts';
import type { Millis } from '../clock.ts';
import type { Context } from '../context.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { newId } from '../db/ids.ts';
import type { Db, User } from '../db/schema.ts';
import { buildLink } from '../links/links.ts';
import { queueMail } from '../mail/queue.ts';
import { PURPOSE } from '../purposes.ts';
import type { ConsumeFailure } from '../tokens/tokens.ts';

/**
 * Invitations: a logged-in user invites an address into a scope with a role; the invitee accepts
 * from the emailed link, and a grant (user, scope, role, invited_by) records the outcome for the app.
 *
 * No user row exists for an invitee until acceptance. That is what makes an expired or revoked
 * invitation unredeemable by any other path: there is no half-made account that a password reset or
 * a sign-up could complete, only a token, and every way to consume it checks the invitation.
 */

export const DEFAULT_SCOPE = 'default';
export const DEFAULT_ROLE = 'member';
/** The role that may invite anyone into its scope, with any role. */
export const OWNER_ROLE = 'owner';

// Invitations make oto send mail to addresses of the inviter's choosing: these caps keep an account
// from being used as a mail cannon, or a re-invite loop from flooding one person.
const INVITATIONS_PER_INVITER_PER_HOUR = 50;
const INVITATIONS_PER_ADDRESS_PER_HOUR = 10;
const HOUR_MS = 3_600_000;
/** GET /v1/invitations lists at most this many open invitations, newest first. */
export const LIST_LIMIT = 500;

const SCOPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,127}$/;
const ROLE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

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
  const since = ctx.clock.now() - HOUR_MS;
  const count = (column: 'inviter_id' | 'email_normalized', value: string) =>
    ctx.db
      .selectFrom('invitations')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where(column, '=', value)
      .where('created_at', '>', since)
      .executeTakeFirstOrThrow()
      .then((row) => Number(row.n));
  return (
    (await count('inviter_id', inviterId)) >= INVITATIONS_PER_INVITER_PER_HOUR ||
    (await count('email_normalized', emailNormalized)) >= INVITATIONS_PER_ADDRESS_PER_HOUR
  );
}

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
  return ctx.db.transaction().execute(async (trx) => {
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
    await queueMail(ctx, trx, 'invitation', email, {
      link: buildLink(ctx.config, 'invite', issued.token),
      validFor: humanDuration(ctx.config.tokenTtl.invitation),
      inviter: inviter.email,
      scope: scope === DEFAULT_SCOPE ? ctx.config.appName : scope,
      role,
    });
    await recordAudit(trx, ctx.clock, {
      event: 'invitation.sent',
      userId: inviter.id,
      ip,
      detail: { invitationId: id, scope, role, superseded: open.length },
    });
    return { id, email, scope, role, expiresAt: issued.expiresAt, createdAt: now };
  });
}

/** The token is bound to its invitation and the invited address. */
function invitationBinding(invitationId: string, emailNormalized: string): string {
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

/** What the invitation page and POST /v1/invitations/inspect show the link's holder. */
export interface InvitationDetails {
  id: string;
  inviter: string;
  email: string;
  scope: string;
  role: string;
  expiresAt: Millis;
  /** Whether the invited address has a verified account: the page then asks to log in, not for a password. */
  accountExists: boolean;
}

export type InspectResult =
  | { ok: true; invitation: InvitationDetails }
  | { ok: false; reason: ConsumeFailure };

/** Reads an invitation link without consuming it. */
export async function inspectInvitation(ctx: Context, token: unknown): Promise<InspectResult> {
  const found = await openInvitation(ctx, token);
  if (!found.ok) return found;
  const { invitation } = found;
  const inviter = await ctx.db
    .selectFrom('users')
    .select('email')
    .where('id', '=', invitation.inviter_id)
    .executeTakeFirst();
  const account = await accountFor(ctx.db, invitation.email_normalized);
  return {
    ok: true,
    invitation: {
      id: invitation.id,
      inviter: inviter?.email ?? ctx.config.appName,
      email: invitation.email,
      scope: invitation.scope,
      role: invitation.role,
      expiresAt: invitation.expires_at,
      accountExists: account !== undefined && account.email_verified_at !== null,
    },
  };
}

type OpenInvitation =
  | {
      ok: true;
      invitation: {
        id: string;
        inviter_id: string;
        email: string;
        email_normalized: string;
        scope: string;
        role: string;
        expires_at: Millis;
      };
    }
  | { ok: false; reason: ConsumeFailure };

/** The invitation a token names, when both the token and the invitation are still open. */
async function openInvitation(ctx: Context, token: unknown): Promise<OpenInvitation> {
  const inspection = await ctx.tokens.inspect(ctx.db, PURPOSE.invitation, token);
  if (inspection.state === 'unknown') return { ok: false, reason: 'unknown' };
  if (inspection.state !== 'active') return { ok: false, reason: inspection.state };
  const invitationId = inspection.token.data?.['invitationId'];
  if (typeof invitationId !== 'string') return { ok: false, reason: 'unknown' };
  const invitation = await ctx.db
    .selectFrom('invitations')
    .select([
      'id',
      'inviter_id',
      'email',
      'email_normalized',
      'scope',
      'role',
      'expires_at',
      'accepted_at',
      'revoked_at',
    ])
    .where('id', '=', invitationId)
    .executeTakeFirst();
  if (invitation === undefined) return { ok: false, reason: 'unknown' };
  if (invitation.accepted_at !== null) return { ok: false, reason: 'used' };
  if (invitation.revoked_at !== null) return { ok: false, reason: 'revoked' };
  if (invitation.expires_at <= ctx.clock.now()) return { ok: false, reason: 'expired' };
  return { ok: true, invitation };
}

function accountFor(db: Db, emailNormalized: string): Promise<User | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('email_normalized', '=', emailNormalized)
    .executeTakeFirst();
}

export interface AcceptInput {
  token: unknown;
  password?: string;
  /** The user of the request's session, if any. */
  sessionUser: User | null;
  ip: string | null;
  userAgent: string | null;
}

export type AcceptResult =
  | { ok: true; status: 'account_created'; userId: string; session: CreatedSession }
  | { ok: true; status: 'accepted'; userId: string }
  | { ok: false; reason: ConsumeFailure }
  | { ok: false; reason: 'login_required'; invited: string }
  | { ok: false; reason: 'wrong_account'; invited: string; signedInAs: string }
  | { ok: false; reason: 'invalid_password'; errors: InputError[] }
  | { ok: false; reason: 'account_exists' };

/** A failure decided inside the transaction: thrown to roll it back, then returned. */
class Refusal extends Error {
  readonly result: AcceptResult;
  constructor(result: AcceptResult) {
    super('refused');
    this.result = result;
  }
}

/**
 * Accepts an invitation.
 * - Logged in as another user than the invited address: refused, and the link stays usable.
 * - The address has a verified account: the request must come from that account's session; the
 *   token is consumed and the grant recorded.
 * - Otherwise a password is required (under the policy): the account is created already verified,
 *   since the link proves the mailbox, and logged in. An unverified account that merely claims the
 *   address is taken over, exactly as a sign-up would: whoever never proved the mailbox loses it.
 * Every refusal before the transaction, and every rollback, leaves the token unconsumed.
 */
export async function acceptInvitation(ctx: Context, input: AcceptInput): Promise<AcceptResult> {
  const found = await openInvitation(ctx, input.token);
  if (!found.ok) return found;
  const { invitation } = found;
  const current = input.sessionUser;
  if (current !== null && current.email_normalized !== invitation.email_normalized) {
    return { ok: false, reason: 'wrong_account', invited: invitation.email, signedInAs: current.email };
  }
  const account = await accountFor(ctx.db, invitation.email_normalized);
  if (current !== null || (account !== undefined && account.email_verified_at !== null)) {
    if (current === null) return { ok: false, reason: 'login_required', invited: invitation.email };
    return settle(() => acceptAsUser(ctx, input, invitation, current));
  }

  const problems =
    input.password === undefined || input.password === ''
      ? ['is required to create your account']
      : passwordProblems(ctx.config, input.password, { email: invitation.email });
  if (problems.length > 0) {
    return {
      ok: false,
      reason: 'invalid_password',
      errors: problems.map((message) => ({ field: 'password', message })),
    };
  }
  const passwordHash = await hashPassword(input.password!);
  return settle(() => acceptWithNewAccount(ctx, input, invitation, passwordHash));
}

async function settle(run: () => Promise<AcceptResult>): Promise<AcceptResult> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Refusal) return error.result;
    // A sign-up for the same address committed first: the invitee now has to log in to accept.
    if (isUniqueViolation(error)) return { ok: false, reason: 'account_exists' };
    throw error;
  }
}

type Invitation = Extract<OpenInvitation, { ok: true }>['invitation'];

async function acceptAsUser(
  ctx: Context,
  input: AcceptInput,
  invitation: Invitation,
  user: User,
): Promise<AcceptResult> {
  return ctx.db.transaction().execute(async (trx) => {
    await consumeInvitationToken(ctx, trx, input.token, invitation);
    // The link proves the mailbox, so an account accepting through it has a verified address.
    if (user.email_verified_at === null) {
      const now = ctx.clock.now();
      await trx
        .updateTable('users')
        .set({ email_verified_at: now, updated_at: now })
        .where('id', '=', user.id)
        .execute();
    }
    await recordAcceptance(ctx, trx, invitation, user.id, input.ip);
    return { ok: true, status: 'accepted', userId: user.id } as const;
  });
}

async function acceptWithNewAccount(
  ctx: Context,
  input: AcceptInput,
  invitation: Invitation,
  passwordHash: string,
): Promise<AcceptResult> {
  return ctx.db.transaction().execute(async (trx) => {
    await consumeInvitationToken(ctx, trx, input.token, invitation);
    const now = ctx.clock.now();
    const existing = await accountFor(trx, invitation.email_normalized);
    if (existing !== undefined && existing.email_verified_at !== null) {
      throw new Refusal({ ok: false, reason: 'login_required', invited: invitation.email });
    }
    let userId: string;
    if (existing === undefined) {
      userId = newId(now);
      await trx
        .insertInto('users')
        .values({
          id: userId,
          email: invitation.email,
          email_normalized: invitation.email_normalized,
          password_hash: passwordHash,
          email_verified_at: now,
          unsubscribed_at: ctx.config.subscribedByDefault ? null : now,
          created_at: now,
          updated_at: now,
        })
        .execute();
    } else {
      // An unverified claim on the address: the invitee, who holds the mailbox, takes it over.
      userId = existing.id;
      await trx
        .updateTable('users')
        .set((eb) => ({
          password_hash: passwordHash,
          password_version: eb('password_version', '+', 1),
          email_verified_at: now,
          updated_at: now,
        }))
        .where('id', '=', userId)
        .execute();
      await revokeUserSessions(trx, userId);
      for (const purpose of [PURPOSE.verifyEmail, PURPOSE.passwordReset, PURPOSE.emailChange]) {
        await ctx.tokens.revoke(trx, purpose, { userId });
      }
    }
    await recordAudit(trx, ctx.clock, {
      event: 'user.signed_up',
      userId,
      ip: input.ip,
      detail: { via: 'invitation', outcome: existing === undefined ? 'created' : 'replaced_unverified' },
    });
    await recordAcceptance(ctx, trx, invitation, userId, input.ip);
    const session = await createSession(ctx, trx, userId, { ip: input.ip, userAgent: input.userAgent });
    return { ok: true, status: 'account_created', userId, session } as const;
  });
}

/** Consumes the token, in the caller's transaction; a failure rolls it back with the reason. */
async function consumeInvitationToken(
  ctx: Context,
  trx: Db,
  token: unknown,
  invitation: Invitation,
): Promise<void> {
  const consumed = await ctx.tokens.consume(trx, {
    purpose: PURPOSE.invitation,
    token,
    binding: invitationBinding(invitation.id, invitation.email_normalized),
  });
  if (!consumed.ok) throw new Refusal({ ok: false, reason: consumed.reason });
}

async function recordAcceptance(
  ctx: Context,
  trx: Db,
  invitation: Invitation,
  userId: string,
  ip: string | null,
) {
  const now = ctx.clock.now();
  // Conditional, like the consume: a revocation or expiry that won the race leaves nothing to accept.
  const accepted = await trx
    .updateTable('invitations')
    .set({ accepted_at: now, accepted_by: userId })
    .where('id', '=', invitation.id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (accepted.numUpdatedRows === 0n) throw new Refusal({ ok: false, reason: 'revoked' });
  await addGrant(ctx, trx, {
    userId,
    scope: invitation.scope,
    role: invitation.role,
    invitedBy: invitation.inviter_id,
    invitationId: invitation.id,
  });
  await recordAudit(trx, ctx.clock, {
    event: 'invitation.accepted',
    userId,
    ip,
    detail: { invitationId: invitation.id, scope: invitation.scope, role: invitation.role },
  });
}

export interface GrantInput {
  userId: string;
  scope: string;
  role: string;
  invitedBy?: string | null;
  invitationId?: string | null;
}

/** Records a grant; holding it already changes nothing (the first grant's provenance is kept). */
export async function addGrant(ctx: Context, db: Db, grant: GrantInput): Promise<void> {
  const now = ctx.clock.now();
  await db
    .insertInto('grants')
    .values({
      id: newId(now),
      user_id: grant.userId,
      scope: grant.scope,
      role: grant.role,
      invited_by: grant.invitedBy ?? null,
      invitation_id: grant.invitationId ?? null,
      created_at: now,
    })
    .onConflict((oc) => oc.columns(['user_id', 'scope', 'role']).doNothing())
    .execute();
}

export function checkGrant(scope: string, role: string): InputError[] {
  const errors: InputError[] = [];
  if (!SCOPE_PATTERN.test(scope)) errors.push({ field: 'scope', message: 'is not a valid scope' });
  if (!ROLE_PATTERN.test(role)) errors.push({ field: 'role', message: 'is not a valid role' });
  return errors;
}

export interface GrantView {
  scope: string;
  role: string;
  invitedBy: string | null;
  createdAt: Millis;
}

export async function listGrants(ctx: Context, userId: string): Promise<GrantView[]> {
  const rows = await ctx.db
    .selectFrom('grants')
    .select(['scope', 'role', 'invited_by', 'created_at'])
    .where('user_id', '=', userId)
    .orderBy('scope')
    .orderBy('role')
    .execute();
  return rows.map((r) => ({
    scope: r.scope,
    role: r.role,
    invitedBy: r.invited_by,
    createdAt: r.created_at,
  }));
}
