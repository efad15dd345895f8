import type { Clock, Millis } from '../clock.ts';
import { dialectOf } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import type { Db, SecurityToken } from '../db/schema.ts';
import { fingerprint, generateToken, hashToken, isWellFormedToken } from './secret.ts';
import {
  consumeBoundToken,
  consumeToken,
  insertToken,
  revokeLive,
  revokeOneById,
  supersedeLive,
  supersedingInsert,
  type TokenRow,
  tokenByHash,
  tokenCreatedAt,
} from './statements.ts';

/**
 * The token engine: issue, inspect, consume and revoke one-time tokens (the purge: purge.ts).
 *
 * Every function takes a Kysely handle or a transaction as its first argument, so a flow can issue
 * or consume a token in the same transaction as the state change it authorises and the email that
 * carries it.
 */

export type TokenState = 'active' | 'used' | 'expired' | 'revoked' | 'unknown';
/** `superseded`: revoked by the issue of a newer token of the same purpose and owner (superseded_by). */
export type ConsumeFailure =
  | 'unknown'
  | 'wrong_purpose'
  | 'used'
  | 'expired'
  | 'revoked'
  | 'superseded'
  | 'binding';
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
      await supersedeLive(db, input.purpose, { userId, subject }, now, id);
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
    if (state === 'revoked' && (await newerTokenAt(db, row)) !== null) return 'superseded';
    if (state !== 'active') return state;
    return 'binding';
  }

  /**
   * When the newer token that superseded this one was issued, or null when it was not superseded
   * (live, used, expired, or revoked for another reason): what a page says about an old link.
   */
  async function supersededAt(db: Db, purpose: string, token: unknown): Promise<Millis | null> {
    const row = await findByToken(db, token);
    if (row === undefined || row.purpose !== purpose || row.used_at !== null || row.revoked_at === null)
      return null;
    return newerTokenAt(db, row);
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

  return { issue, inspect, consume, revoke, revokeById, supersededAt, countIssue, countConsume };

  /** Revokes one token by id, if still live; true when it was. */
  async function revokeById(db: Db, id: string): Promise<boolean> {
    return (await revokeOneById.affected(db, { id, now: clock.now() })) > 0;
  }
}

async function findByToken(db: Db, token: unknown): Promise<SecurityToken | undefined> {
  if (!isWellFormedToken(token)) return undefined;
  return tokenByHash.first(db, { hash: hashToken(token) });
}

/** When the newer token that superseded this one was issued; null when none did. */
async function newerTokenAt(db: Db, row: SecurityToken): Promise<Millis | null> {
  if (row.revoked_at === null || row.superseded_by === null) return null;
  const newer = await tokenCreatedAt.first(db, { id: row.superseded_by });
  return newer === undefined ? null : Number(newer.created_at);
}

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
