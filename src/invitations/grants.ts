import type { InputError } from '../accounts/input.ts';
import type { Millis } from '../clock.ts';
import type { Context } from '../context.ts';
import { newId } from '../db/ids.ts';
import type { Db } from '../db/schema.ts';

/**
 * Grants: what accepted invitations write and the app reads. A grant (user, scope, role, invited_by)
 * records the outcome of an invitation; the app's backend may also add one itself (POST /v1/grants).
 */

export const DEFAULT_SCOPE = 'default';
export const DEFAULT_ROLE = 'member';
/** The role that may invite anyone into its scope, with any role. */
export const OWNER_ROLE = 'owner';

export const SCOPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,127}$/;
export const ROLE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

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
