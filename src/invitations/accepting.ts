import { claimAddress } from '../accounts/address-claim.ts';
import type { InputError } from '../accounts/input.ts';
import { lockRecipientAndFindUser } from '../accounts/mail-caps.ts';
import { hashPassword, passwordProblems } from '../accounts/passwords.ts';
import { type CreatedSession, createSession } from '../accounts/sessions.ts';
import { findUserByNormalizedEmail } from '../accounts/users.ts';
import { recordAudit } from '../audit.ts';
import type { Millis } from '../clock.ts';
import type { Context } from '../context.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { Db, User } from '../db/schema.ts';
import type { Locale } from '../i18n/locales.ts';
import { PURPOSE } from '../purposes.ts';
import type { ConsumeFailure } from '../tokens/tokens.ts';
import { recordEvent, transact } from '../webhooks/record.ts';
import { addGrant } from './grants.ts';
import { invitationBinding } from './inviting.ts';

/**
 * Accepting an invitation: reading its link without consuming it, then accepting as the logged-in
 * user the address belongs to, or as a new account that the link's proof of the mailbox verifies.
 */

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
  const account = await findUserByNormalizedEmail(ctx.db, invitation.email_normalized);
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

export interface AcceptInput {
  token: unknown;
  password?: string;
  /** The user of the request's session, if any. */
  sessionUser: User | null;
  ip: string | null;
  userAgent: string | null;
  /** The language of an account the acceptance creates (the browser's, when oto speaks it). */
  locale?: Locale | null;
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
  const account = await findUserByNormalizedEmail(ctx.db, invitation.email_normalized);
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

/** Runs an acceptance, turning its refusals into results. Its events are recorded inside it. */
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
  return transact(ctx, async (trx) => {
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
  return transact(ctx, async (trx) => {
    await consumeInvitationToken(ctx, trx, input.token, invitation);
    // The address's lock, as sign-up takes it (PostgreSQL): a sign-up racing this acceptance waits,
    // then finds the account, instead of both inserting one and one failing on the unique index.
    const existing = await lockRecipientAndFindUser(ctx, trx, invitation.email_normalized);
    if (existing !== undefined && existing.email_verified_at !== null) {
      throw new Refusal({ ok: false, reason: 'login_required', invited: invitation.email });
    }
    // The invitee, who holds the mailbox, takes over an unverified claim on the address.
    const { user, outcome } = await claimAddress(ctx, trx, existing, {
      email: invitation.email,
      emailNormalized: invitation.email_normalized,
      passwordHash,
      mailboxProven: true,
      locale: input.locale ?? null,
    });
    const userId = user.id;
    await recordAudit(trx, ctx.clock, {
      event: 'user.signed_up',
      userId,
      ip: input.ip,
      detail: { via: 'invitation', outcome },
    });
    await recordEvent(ctx, trx, 'user.created', { userId, email: invitation.email, via: 'invitation' });
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
  await recordEvent(ctx, trx, 'invitation.accepted', {
    invitationId: invitation.id,
    userId,
    inviterId: invitation.inviter_id,
    scope: invitation.scope,
    role: invitation.role,
  });
  await recordAudit(trx, ctx.clock, {
    event: 'invitation.accepted',
    userId,
    ip,
    detail: { invitationId: invitation.id, scope: invitation.scope, role: invitation.role },
  });
}
