import { recordAudit } from '../audit.ts';
import type { Context } from '../context.ts';
import { transact } from '../webhooks/record.ts';
import { revokeSession } from './sessions.ts';

/** Ends one session, with its audit record, in one transaction. */
export async function logOut(
  ctx: Context,
  auth: { sessionId: string; userId: string },
  ip: string | null,
): Promise<void> {
  await transact(ctx, async (trx) => {
    if (!(await revokeSession(ctx, trx, auth, 'logout'))) return;
    await recordAudit(trx, ctx.clock, {
      event: 'sessions.revoked',
      userId: auth.userId,
      ip,
      detail: { reason: 'logout', count: 1 },
    });
  });
}
