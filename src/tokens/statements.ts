import type { Insertable, QueryCreator } from 'kysely';
import type { Millis } from '../clock.ts';
import { prepared } from '../db/prepared.ts';
import type { Database, Db, SecurityTokensTable } from '../db/schema.ts';

// The engine's statements, compiled once (src/db/prepared.ts).

export const tokenByHash = prepared((db, p: { hash: string }) =>
  db.selectFrom('security_tokens').selectAll().where('token_hash', '=', p.hash),
);

export type TokenRow = Insertable<SecurityTokensTable> & { user_id: string | null; subject: string | null };

// Every column is named: the builder sees placeholders, not a row whose keys it could list.
function tokenValues(row: TokenRow) {
  return {
    id: row.id,
    token_hash: row.token_hash,
    purpose: row.purpose,
    user_id: row.user_id,
    subject: row.subject,
    binding: row.binding,
    data: row.data,
    created_at: row.created_at,
    expires_at: row.expires_at,
  };
}
export const insertToken = prepared((db, row: TokenRow) =>
  db.insertInto('security_tokens').values(tokenValues(row)),
);

/**
 * PostgreSQL only: revoke the owner's live tokens of the purpose and insert the new one in a single
 * statement (a data-modifying WITH).
 */
export function supersedingInsert(row: TokenRow) {
  return supersedeAndInsert[ownerShape(row.user_id, row.subject) ?? 'user'];
}
const supersedeAndInsert = byOwnerShape((shape) =>
  prepared((db, row: TokenRow) =>
    db
      .with('superseded', (qb) =>
        ownedBy(
          revokeLiveTokens(qb, { purpose: row.purpose, now: row.created_at }).set({ superseded_by: row.id }),
          shape,
          { userId: row.user_id, subject: row.subject },
        ),
      )
      .insertInto('security_tokens')
      .values(tokenValues(row)),
  ),
);

export interface ConsumeValues {
  now: Millis;
  hash: string;
  purpose: string;
}

/**
 * The consume: one conditional UPDATE … RETURNING, which the database decides atomically. Exported
 * for a flow that adds a condition of its own to the same statement (verify-email.ts on SQLite).
 */
export function consumeUpdate(db: Db, p: ConsumeValues) {
  return db
    .updateTable('security_tokens')
    .set({ used_at: p.now })
    .where('token_hash', '=', p.hash)
    .where('purpose', '=', p.purpose)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', p.now);
}
export const consumeToken = prepared((db, p: ConsumeValues) => consumeUpdate(db, p).returningAll());
export const consumeBoundToken = prepared((db, p: ConsumeValues & { binding: string }) =>
  consumeUpdate(db, p).where('binding', '=', p.binding).returningAll(),
);

function revokeLiveTokens(db: QueryCreator<Database>, p: { purpose: string; now: Millis }) {
  return db
    .updateTable('security_tokens')
    .set({ revoked_at: p.now })
    .where('purpose', '=', p.purpose)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null);
}
interface RevokeValues {
  purpose: string;
  now: Millis;
  userId: string | null;
  subject: string | null;
}
const revokeLiveOf = byOwnerShape((shape) =>
  prepared((db, p: RevokeValues) => ownedBy(revokeLiveTokens(db, p), shape, p)),
);

/** Which owner columns a statement filters on; each shape is a statement of its own. */
type OwnerShape = 'user' | 'subject' | 'both';

function ownerShape(userId: string | null, subject: string | null): OwnerShape | null {
  if (userId !== null) return subject !== null ? 'both' : 'user';
  return subject !== null ? 'subject' : null;
}

function byOwnerShape<T>(make: (shape: OwnerShape) => T): Record<OwnerShape, T> {
  return { user: make('user'), subject: make('subject'), both: make('both') };
}

function ownedBy(
  update: ReturnType<typeof revokeLiveTokens>,
  shape: OwnerShape,
  owner: { userId: string | null; subject: string | null },
) {
  let filtered = update;
  if (shape !== 'subject') filtered = filtered.where('user_id', '=', owner.userId);
  if (shape !== 'user') filtered = filtered.where('subject', '=', owner.subject);
  return filtered;
}

const supersedeLiveOf = byOwnerShape((shape) =>
  prepared((db, p: RevokeValues & { newerId: string }) =>
    ownedBy(revokeLiveTokens(db, p).set({ superseded_by: p.newerId }), shape, p),
  ),
);

/** Revokes the owner's live tokens of the purpose as superseded by the token `newerId` (about to be inserted). */
export async function supersedeLive(
  db: Db,
  purpose: string,
  owner: { userId: string | null; subject: string | null },
  now: Millis,
  newerId: string,
): Promise<number> {
  const shape = ownerShape(owner.userId, owner.subject);
  if (shape === null) return 0;
  return supersedeLiveOf[shape].affected(db, {
    purpose,
    now,
    userId: owner.userId,
    subject: owner.subject,
    newerId,
  });
}

export const revokeOneById = prepared((db, p: { id: string; now: Millis }) =>
  db
    .updateTable('security_tokens')
    .set({ revoked_at: p.now })
    .where('id', '=', p.id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null),
);

export async function revokeLive(
  db: Db,
  purpose: string,
  owner: { userId: string | null; subject: string | null },
  now: Millis,
): Promise<number> {
  const shape = ownerShape(owner.userId, owner.subject);
  if (shape === null) return 0;
  return revokeLiveOf[shape].affected(db, { purpose, now, userId: owner.userId, subject: owner.subject });
}

/** When a token was created, by id: the newer token that superseded another. */
export const tokenCreatedAt = prepared((db, p: { id: string }) =>
  db.selectFrom('security_tokens').select('created_at').where('id', '=', p.id),
);
