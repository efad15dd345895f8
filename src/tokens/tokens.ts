import { setTimeout as sleep } from 'node:timers/promises';
import type { Insertable, QueryCreator } from 'kysely';
import type { Clock, Millis } from '../clock.ts';
import { idInBatch } from '../db/batch.ts';
import { dialectOf } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import { prepared } from '../db/prepared.ts';
import type { Database, Db, SecurityToken, SecurityTokensTable } from '../db/schema.ts';
import { fingerprint, generateToken, hashToken, isWellFormedToken } from './secret.ts';

/**
 * The token engine: issue, inspect, consume, revoke and purge one-time tokens.
 *
 * Every function takes a Kysely handle or a transaction as its first argument, so a flow can issue
 * or consume a token in the same transaction as the state change it authorises and the email that
 * carries it.
 */

export type TokenState = 'active' | 'used' | 'expired' | 'revoked' | 'unknown';
export type ConsumeFailure = 'unknown' | 'wrong_purpose' | 'used' | 'expired' | 'revoked' | 'binding';
export type ConsumeOutcome = 'ok' | ConsumeFailure;

export interface IssueInput {
  purpose: string;
  userId?: string | null;
  subject?: string | null;
  /** Defaults to the purpose's configured lifetime. */
  ttlSeconds?: number;
  /** The state the token is issued against; consume must present the same value. */
  binding?: string | null;
  data?: Record<string, unknown> | null;
  /** Revoke the user's (or subject's) still-active tokens of this purpose first. Default true. */
  supersede?: boolean;
}

export interface IssuedToken {
  /** The only time the token exists in clear: hand it to the email, never log or store it. */
  token: string;
  id: string;
  expiresAt: Millis;
}

export interface TokenInfo {
  id: string;
  purpose: string;
  userId: string | null;
  subject: string | null;
  data: Record<string, unknown> | null;
  createdAt: Millis;
  expiresAt: Millis;
  usedAt: Millis | null;
  revokedAt: Millis | null;
}

export type Inspection = { state: 'unknown' } | { state: Exclude<TokenState, 'unknown'>; token: TokenInfo };

export type ConsumeResult = { ok: true; token: TokenInfo } | { ok: false; reason: ConsumeFailure };

export interface ConsumeInput {
  purpose: string;
  token: unknown;
  /** When given, the token must have been issued with this same binding. */
  binding?: string;
}

export interface TokenEngineOptions {
  clock: Clock;
  defaultTtlSeconds(purpose: string): number;
  /** Told about every issue and consume outcome, for metrics. Never given the token. */
  observer?: TokenObserver;
}

export interface TokenObserver {
  issued(purpose: string): void;
  consumed(purpose: string, outcome: ConsumeOutcome): void;
}

export type TokenEngine = ReturnType<typeof createTokenEngine>;

export function createTokenEngine(options: TokenEngineOptions) {
  const { clock, observer } = options;

  async function issue(db: Db, input: IssueInput): Promise<IssuedToken> {
    const userId = input.userId ?? null;
    const subject = input.subject ?? null;
    if (userId === null && subject === null) throw new TypeError('a token needs a user or a subject');
    const now = clock.now();
    const token = generateToken();
    const id = newId(now);
    const expiresAt = now + (input.ttlSeconds ?? options.defaultTtlSeconds(input.purpose)) * 1000;
    const row: TokenRow = {
      id,
      token_hash: hashToken(token),
      purpose: input.purpose,
      user_id: userId,
      subject,
      binding: input.binding == null ? null : fingerprint(input.binding),
      data: input.data == null ? null : JSON.stringify(input.data),
      created_at: now,
      expires_at: expiresAt,
    };
    if (input.supersede === false) {
      await insertToken.execute(db, row);
    } else if (dialectOf(db) === 'postgres') {
      // On PostgreSQL every statement is a round trip: superseding and inserting go as one.
      await supersedingInsert(row).execute(db, row);
    } else {
      await revokeLive(db, input.purpose, { userId, subject }, now);
      await insertToken.execute(db, row);
    }
    observer?.issued(input.purpose);
    return { token, id, expiresAt };
  }

  async function inspect(db: Db, purpose: string, token: unknown): Promise<Inspection> {
    const row = await findByToken(db, token);
    if (row === undefined || row.purpose !== purpose) return { state: 'unknown' };
    return { state: stateOf(row, clock.now()), token: toInfo(row) };
  }

  /**
   * Consumes a token in one conditional UPDATE … RETURNING. The database decides the race: of any
   * number of concurrent consumers, exactly one sees its row come back. A failure is explained
   * afterwards by a read, which affects only the reason reported, never the outcome.
   */
  async function consume(db: Db, input: ConsumeInput): Promise<ConsumeResult> {
    const result = await consumeOnce(db, input);
    observer?.consumed(input.purpose, result.ok ? 'ok' : result.reason);
    return result;
  }

  async function consumeOnce(db: Db, input: ConsumeInput): Promise<ConsumeResult> {
    if (!isWellFormedToken(input.token)) return { ok: false, reason: 'unknown' };
    const now = clock.now();
    const hash = hashToken(input.token);
    const row =
      input.binding === undefined
        ? await consumeToken.first(db, { now, hash, purpose: input.purpose })
        : await consumeBoundToken.first(db, {
            now,
            hash,
            purpose: input.purpose,
            binding: fingerprint(input.binding),
          });
    if (row !== undefined) return { ok: true, token: toInfo(row) };
    return { ok: false, reason: await explainFailure(db, hash, input, now) };
  }

  async function explainFailure(
    db: Db,
    hash: string,
    input: ConsumeInput,
    now: Millis,
  ): Promise<ConsumeFailure> {
    const row = await tokenByHash.first(db, { hash });
    if (row === undefined) return 'unknown';
    if (row.purpose !== input.purpose) return 'wrong_purpose';
    const state = stateOf(row, now);
    if (state !== 'active') return state;
    return 'binding';
  }

  /** Revokes every still-active token of a purpose for one user or subject; returns how many. */
  async function revoke(db: Db, purpose: string, owner: { userId?: string | null; subject?: string | null }) {
    return revokeLive(
      db,
      purpose,
      { userId: owner.userId ?? null, subject: owner.subject ?? null },
      clock.now(),
    );
  }

  /**
   * For a flow that issues or consumes a token inside a statement of its own (the PostgreSQL
   * one-statement paths): counts it as issue or consume would have.
   */
  function countIssue(purpose: string): void {
    observer?.issued(purpose);
  }
  function countConsume(purpose: string, outcome: ConsumeOutcome): void {
    observer?.consumed(purpose, outcome);
  }

  return { issue, inspect, consume, revoke, revokeById, countIssue, countConsume };

  /** Revokes one token by id, if still live; true when it was. */
  async function revokeById(db: Db, id: string): Promise<boolean> {
    return (await revokeOneById.affected(db, { id, now: clock.now() })) > 0;
  }
}

async function revokeLive(
  db: Db,
  purpose: string,
  owner: { userId: string | null; subject: string | null },
  now: Millis,
): Promise<number> {
  const shape = ownerShape(owner.userId, owner.subject);
  if (shape === null) return 0;
  return revokeLiveOf[shape].affected(db, { purpose, now, userId: owner.userId, subject: owner.subject });
}

async function findByToken(db: Db, token: unknown): Promise<SecurityToken | undefined> {
  if (!isWellFormedToken(token)) return undefined;
  return tokenByHash.first(db, { hash: hashToken(token) });
}

// The engine's statements, compiled once (src/db/prepared.ts).

const tokenByHash = prepared((db, p: { hash: string }) =>
  db.selectFrom('security_tokens').selectAll().where('token_hash', '=', p.hash),
);

type TokenRow = Insertable<SecurityTokensTable> & { user_id: string | null; subject: string | null };

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
const insertToken = prepared((db, row: TokenRow) =>
  db.insertInto('security_tokens').values(tokenValues(row)),
);

/**
 * PostgreSQL only: revoke the owner's live tokens of the purpose and insert the new one in a single
 * statement (a data-modifying WITH).
 */
function supersedingInsert(row: TokenRow) {
  return supersedeAndInsert[ownerShape(row.user_id, row.subject) ?? 'user'];
}
const supersedeAndInsert = byOwnerShape((shape) =>
  prepared((db, row: TokenRow) =>
    db
      .with('superseded', (qb) =>
        ownedBy(revokeLiveTokens(qb, { purpose: row.purpose, now: row.created_at }), shape, {
          userId: row.user_id,
          subject: row.subject,
        }),
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
const consumeToken = prepared((db, p: ConsumeValues) => consumeUpdate(db, p).returningAll());
const consumeBoundToken = prepared((db, p: ConsumeValues & { binding: string }) =>
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

const revokeOneById = prepared((db, p: { id: string; now: Millis }) =>
  db
    .updateTable('security_tokens')
    .set({ revoked_at: p.now })
    .where('id', '=', p.id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null),
);

function stateOf(row: SecurityToken, now: Millis): Exclude<TokenState, 'unknown'> {
  if (row.used_at !== null) return 'used';
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at <= now) return 'expired';
  return 'active';
}

function toInfo(row: SecurityToken): TokenInfo {
  return {
    id: row.id,
    purpose: row.purpose,
    userId: row.user_id,
    subject: row.subject,
    data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    revokedAt: row.revoked_at,
  };
}

export interface PurgeOptions {
  /** Tokens whose life ended before this instant are deleted. */
  endedBefore: Millis;
  batchSize: number;
  /** Called after each batch with the running total, for progress output. */
  onBatch?: (deletedSoFar: number) => void;
  /** Checked between batches: once aborted, the purge stops after the batch in flight. */
  signal?: AbortSignal;
}

/**
 * Deletes tokens that were used, revoked or expired before the cut-off. Each batch is its own short
 * statement found through an index, with a pause for the event loop between batches, so the purge
 * of millions of rows never holds a long lock or starves live requests.
 */
export async function purgeTokens(db: Db, options: PurgeOptions): Promise<number> {
  // node:sqlite runs a statement on the event loop's own thread: there a batch is sized by time.
  const blocking = dialectOf(db) !== 'postgres';
  let size = options.batchSize;
  let deleted = 0;
  for (const column of ['expires_at', 'used_at', 'revoked_at'] as const) {
    if (options.signal?.aborted) break;
    for (;;) {
      const began = performance.now();
      const result = await tokenPurgeBatch(db, column, options.endedBefore, size).executeTakeFirst();
      const took = performance.now() - began;
      const count = Number(result.numDeletedRows);
      deleted += count;
      if (count > 0) options.onBatch?.(deleted);
      if (count < size || options.signal?.aborted) break;
      if (blocking) size = batchSizeFor(took, size, options.batchSize);
      await restAfterBatch(took);
    }
  }
  return deleted;
}

/** How long one purge batch may hold a thread that also serves requests (SQLite). 5 ms gave a
 * consume p99 of 74 ms during a purge of 1M rows, 2 ms gave 54 ms (23 ms without a purge). */
const BLOCKING_BATCH_TARGET_MS = 2;
const MIN_BATCH = 20;

/** The next batch's size, scaled so it takes about BLOCKING_BATCH_TARGET_MS, within [20, max]. */
function batchSizeFor(tookMs: number, size: number, max: number): number {
  const scaled = Math.round((size * BLOCKING_BATCH_TARGET_MS) / Math.max(tookMs, 0.1));
  return Math.min(max, Math.max(Math.min(MIN_BATCH, max), scaled));
}

/**
 * Between two batches of a purge: rest three times as long as the batch took (at most a second),
 * so that a purge takes at most a quarter of the time and live requests the rest. A bare
 * setImmediate is not enough: measured with consumes running on SQLite, it let the next batch start
 * before most waiting requests were served, and their p99 went from about 0.1 s to 1.9 s during the
 * purge. Resting as long as the batch (half the time) still halved the consume rate and gave 4.4×
 * the p99 (npm run bench, 1M rows); the purge itself is not in a hurry.
 */
export function restAfterBatch(batchMs: number): Promise<void> {
  return sleep(Math.min(1000, Math.max(1, Math.round(batchMs * 3))));
}

/** One batch of purgeTokens: the oldest ended tokens by one column, read in index order. */
export function tokenPurgeBatch(
  db: Db,
  column: 'expires_at' | 'used_at' | 'revoked_at',
  endedBefore: Millis,
  batchSize: number,
) {
  const batch = db
    .selectFrom('security_tokens')
    .select('id')
    .where(column, '<', endedBefore)
    .orderBy(column)
    .limit(batchSize);
  return db.deleteFrom('security_tokens').where(idInBatch(db, batch));
}
