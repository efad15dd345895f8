import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import { revokeSession } from './sessions.ts';

/** Ends one session, with its audit record, in one transaction. */
export async function logOut(
  ctx: Context,
  auth: { sessionId: string; userId: string },
  ip: string | null,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await revokeSession(trx, auth.sessionId))) return;
    await recordAudit(trx, ctx.clock, {
      event: 'sessions.revoked',
      userId: auth.userId,
      ip,
      detail: { reason: 'logout', count: 1 },
    });
  });
}
