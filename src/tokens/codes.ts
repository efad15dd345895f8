import { createHmac, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock, Millis } from '../clock.ts';
import { newId } from '../db/ids.ts';
import type { Db, OneTimeCode } from '../db/schema.ts';
import { MAX_CODE_DIGITS, MIN_CODE_DIGITS, normalizeCode } from './code-format.ts';
import type { CodeKeys } from './code-key.ts';
import { fingerprint } from './secret.ts';

/**
 * One-time codes: a few digits a person types, beside the token engine (tokens.ts), for the same
 * flows. A code has only 10⁶ values (by default), so what keeps it safe is not its length but:
 * - it is stored as an HMAC under a key outside the database (code-key.ts), never as a bare hash;
 * - it lives CODE_TTL (10 minutes) and is spent by one conditional UPDATE, as a token is;
 * - wrong guesses spend a budget that belongs to the owner and purpose, not to one code: a resend
 *   does not refill it. After CODE_MAX_ATTEMPTS wrong guesses every live code of that owner and
 *   purpose is revoked and new ones are refused for CODE_COOLDOWN. Each guess first takes one
 *   attempt from the budget row by an atomic `attempts = attempts + 1 … returning`, so any number of
 *   parallel guesses gets at most the budget's worth of tries.
 */

export interface CodeSettings {
  length: number;
  ttlSeconds: number;
  maxAttempts: number;
  cooldownSeconds: number;
}

export interface CodeOwner {
  userId?: string | null;
  subject?: string | null;
}

export interface IssueCodeInput extends CodeOwner {
  purpose: string;
  digits?: number;
  ttlSeconds?: number;
  binding?: string | null;
  data?: Record<string, unknown> | null;
  /** Revoke the owner's live codes of this purpose first. Default true. */
  supersede?: boolean;
}

export type IssueCodeResult =
  | { ok: true; code: string; id: string; expiresAt: Millis }
  | { ok: false; reason: 'cooling_down'; retryAfterSeconds: number };

export interface ConsumeCodeInput extends CodeOwner {
  purpose: string;
  code: unknown;
  binding?: string;
}

export interface CodeInfo {
  id: string;
  purpose: string;
  userId: string | null;
  subject: string | null;
  data: Record<string, unknown> | null;
  createdAt: Millis;
  expiresAt: Millis;
}

/** `wrong`: no live code of the owner matches (or the owner has none); `cooling_down`: budget spent. */
export type ConsumeCodeResult =
  | { ok: true; code: CodeInfo }
  | { ok: false; reason: 'wrong' | 'cooling_down'; attemptsLeft: number };

export { MAX_CODE_DIGITS, MIN_CODE_DIGITS, normalizeCode };

export type CodeEngine = ReturnType<typeof createCodeEngine>;

export function createCodeEngine(options: { clock: Clock; settings: CodeSettings; keys: () => CodeKeys }) {
  const { clock, settings } = options;

  async function issue(db: Db, input: IssueCodeInput): Promise<IssueCodeResult> {
    const owner = ownerKey(input);
    const digits = input.digits ?? settings.length;
    if (!Number.isInteger(digits) || digits < MIN_CODE_DIGITS || digits > MAX_CODE_DIGITS)
      throw new RangeError(`a code has ${MIN_CODE_DIGITS} to ${MAX_CODE_DIGITS} digits`);
    const now = clock.now();
    const expiresAt = now + (input.ttlSeconds ?? settings.ttlSeconds) * 1000;
    const budget = await openBudget(db, input.purpose, owner, now, expiresAt);
    if (budget === undefined)
      return {
        ok: false,
        reason: 'cooling_down',
        retryAfterSeconds: await retryAfter(db, input.purpose, owner, now),
      };
    if (input.supersede !== false) await revokeOwned(db, input.purpose, owner, now);
    const code = randomInt(0, 10 ** digits)
      .toString()
      .padStart(digits, '0');
    const id = newId(now);
    await db
      .insertInto('one_time_codes')
      .values({
        id,
        purpose: input.purpose,
        owner,
        user_id: input.userId ?? null,
        code_hash: codeHash(options.keys().current, input.purpose, owner, code),
        binding: input.binding == null ? null : fingerprint(input.binding),
        data: input.data == null ? null : JSON.stringify(input.data),
        created_at: now,
        expires_at: expiresAt,
      })
      .execute();
    return { ok: true, code, id, expiresAt };
  }

  /**
   * Creates the owner's budget row, or widens its window to the new code's lifetime. The count of
   * wrong guesses is kept while the window is open: only a window that has closed (no code of the
   * owner and purpose is still live) or a cool-down that has ended starts it from zero. Answers
   * nothing while a cool-down runs.
   */
  async function openBudget(db: Db, purpose: string, owner: string, now: Millis, expiresAt: Millis) {
    return db
      .insertInto('code_budgets')
      .values({ purpose, owner, attempts: 0, window_ends_at: expiresAt, cooldown_until: null })
      .onConflict((oc) =>
        oc
          .columns(['purpose', 'owner'])
          .doUpdateSet({
            attempts: sql<number>`case when code_budgets.window_ends_at <= ${now}
              or code_budgets.cooldown_until is not null then 0 else code_budgets.attempts end`,
            window_ends_at: sql<Millis>`case when code_budgets.window_ends_at > excluded.window_ends_at
              then code_budgets.window_ends_at else excluded.window_ends_at end`,
            cooldown_until: null,
          })
          .where((eb) =>
            eb.or([
              eb('code_budgets.cooldown_until', 'is', null),
              eb('code_budgets.cooldown_until', '<=', now),
            ]),
          ),
      )
      .returning('attempts')
      .executeTakeFirst();
  }

  async function consume(db: Db, input: ConsumeCodeInput): Promise<ConsumeCodeResult> {
    const owner = ownerKey(input);
    const now = clock.now();
    const reserved = await takeAttempt(db, input.purpose, owner, now);
    if (reserved === undefined) {
      const coolingDown = (await retryAfter(db, input.purpose, owner, now)) > 0;
      return { ok: false, reason: coolingDown ? 'cooling_down' : 'wrong', attemptsLeft: 0 };
    }
    const code = normalizeCode(input.code);
    const row = code === null ? undefined : await spend(db, input, owner, code, now);
    if (row !== undefined) {
      // The right code: the guesses before it were the owner's own typing mistakes.
      await db
        .updateTable('code_budgets')
        .set({ attempts: 0 })
        .where('purpose', '=', input.purpose)
        .where('owner', '=', owner)
        .execute();
      return { ok: true, code: toInfo(row, input) };
    }
    const attemptsLeft = settings.maxAttempts - reserved.attempts;
    if (attemptsLeft > 0) return { ok: false, reason: 'wrong', attemptsLeft };
    await revokeOwned(db, input.purpose, owner, now);
    await db
      .updateTable('code_budgets')
      .set({ cooldown_until: now + settings.cooldownSeconds * 1000 })
      .where('purpose', '=', input.purpose)
      .where('owner', '=', owner)
      .execute();
    return { ok: false, reason: 'cooling_down', attemptsLeft: 0 };
  }

  /** One attempt from the budget, atomically: no row back means none is left (or no code is live). */
  function takeAttempt(db: Db, purpose: string, owner: string, now: Millis) {
    return db
      .updateTable('code_budgets')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('purpose', '=', purpose)
      .where('owner', '=', owner)
      .where('window_ends_at', '>', now)
      .where('attempts', '<', settings.maxAttempts)
      .where((eb) => eb.or([eb('cooldown_until', 'is', null), eb('cooldown_until', '<=', now)]))
      .returning('attempts')
      .executeTakeFirst();
  }

  /** The consume: one conditional UPDATE … RETURNING, checked under every key on the ring. */
  async function spend(db: Db, input: ConsumeCodeInput, owner: string, code: string, now: Millis) {
    const hashes = options.keys().all.map((key) => codeHash(key, input.purpose, owner, code));
    let update = db
      .updateTable('one_time_codes')
      .set({ used_at: now })
      .where('owner', '=', owner)
      .where('purpose', '=', input.purpose)
      .where('code_hash', 'in', hashes)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now);
    if (input.binding !== undefined) update = update.where('binding', '=', fingerprint(input.binding));
    const rows = await update.returningAll().execute();
    return rows[0];
  }

  async function retryAfter(db: Db, purpose: string, owner: string, now: Millis): Promise<number> {
    const row = await db
      .selectFrom('code_budgets')
      .select('cooldown_until')
      .where('purpose', '=', purpose)
      .where('owner', '=', owner)
      .executeTakeFirst();
    const until = row?.cooldown_until ?? null;
    return until === null || until <= now ? 0 : Math.ceil((until - now) / 1000);
  }

  /** Revokes every live code of an owner and purpose; returns how many. */
  async function revoke(db: Db, purpose: string, owner: CodeOwner): Promise<number> {
    return revokeOwned(db, purpose, ownerKey(owner), clock.now());
  }

  return {
    issue,
    consume,
    revoke,
    retryAfter: (db: Db, purpose: string, owner: CodeOwner) =>
      retryAfter(db, purpose, ownerKey(owner), clock.now()),
  };
}

async function revokeOwned(db: Db, purpose: string, owner: string, now: Millis): Promise<number> {
  const result = await db
    .updateTable('one_time_codes')
    .set({ revoked_at: now })
    .where('owner', '=', owner)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** A user's codes are owned by the user; the token API's by their subject. */
function ownerKey(owner: CodeOwner): string {
  if (owner.userId != null) return `user:${owner.userId}`;
  if (owner.subject != null) return `subject:${owner.subject}`;
  throw new TypeError('a code needs a user or a subject');
}

/** The stored form: HMAC-SHA-256 over purpose, owner and code, so a code matches only its owner's. */
function codeHash(key: Buffer, purpose: string, owner: string, code: string): string {
  return createHmac('sha256', key).update(`oto-code\0${purpose}\0${owner}\0${code}`).digest('hex');
}

function toInfo(row: OneTimeCode, owner: CodeOwner): CodeInfo {
  return {
    id: row.id,
    purpose: row.purpose,
    userId: row.user_id,
    subject: owner.userId != null ? null : (owner.subject ?? null),
    data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}
