import type { Kysely, Transaction } from 'kysely';
import { isoTime } from '../clock.ts';
import { parseDurationSeconds } from '../config/duration.ts';
import type { Duration } from '../config/options.ts';
import type { Context } from '../context.ts';
import type { Db } from '../db/schema.ts';
import { FLOW_PURPOSES, PURPOSE_PATTERN } from '../purposes.ts';
import type { ConsumeFailure, TokenInfo, TokenState } from '../tokens/tokens.ts';
import type { SchemaScope } from './schema-scope.ts';

/**
 * oto.tokens: the engine for the app's own one-time flows (a download link, a confirmation of its
 * own). With `trx`, a statement runs in the app's Kysely transaction, so the token and the app's
 * state commit or roll back together. The transaction must be on oto's database: `oto.db`, or the
 * app's own Kysely over the same PostgreSQL database (see docs/library.md).
 *
 * The purposes of oto's flows are refused here: a password-reset or verification token minted
 * outside its flow would skip the flow's bindings and caps.
 */

// biome-ignore lint/suspicious/noExplicitAny: the app's transaction is of the app's own schema.
export type AppTransaction = Transaction<any> | Kysely<any>;

export interface InTransaction {
  trx?: AppTransaction;
}

export interface IssueTokenInput {
  purpose: string;
  /** Who or what the token is for: an id of the app's (a user, an order, a file). */
  subject: string;
  /** Lifetime; defaults to tokenTtl.default (1 hour). */
  ttl?: Duration;
  /** A value the token is bound to: consume must present the same one (stored as a keyed digest). */
  bind?: string;
  /** Small JSON given back on inspect and consume. Never put a secret in it. */
  data?: Record<string, unknown>;
  /** Revoke the subject's live tokens of this purpose first (default true). */
  supersede?: boolean;
}

export interface TokenView {
  id: string;
  purpose: string;
  subject: string | null;
  data: Record<string, unknown> | null;
  createdAt: string;
  expiresAt: string;
}

export type TokenInspection =
  | { state: 'unknown' }
  | { state: Exclude<TokenState, 'unknown'>; token: TokenView };

export type TokenConsumption = { ok: true; token: TokenView } | { ok: false; reason: ConsumeFailure };

export interface LibraryTokens {
  issue(
    input: IssueTokenInput,
    options?: InTransaction,
  ): Promise<{ token: string; id: string; expiresAt: string }>;
  inspect(input: { purpose: string; token: string }, options?: InTransaction): Promise<TokenInspection>;
  consume(
    input: { purpose: string; token: string; bind?: string },
    options?: InTransaction,
  ): Promise<TokenConsumption>;
  /** Revokes the subject's live tokens and codes of a purpose; resolves to how many. */
  revoke(input: { purpose: string; subject: string }, options?: InTransaction): Promise<number>;
  /**
   * A one-time code for a person to type (docs/token-api.md, Codes): `digits` (6 to 10, default
   * codes.length), living `ttl` or codes.ttl. While the subject's budget cools down: cooling_down.
   */
  issueCode(
    input: Omit<IssueTokenInput, 'supersede'> & { digits?: number },
    options?: InTransaction,
  ): Promise<
    | { ok: true; code: string; id: string; expiresAt: string }
    | { ok: false; reason: 'cooling_down'; retryAfterSeconds: number }
  >;
  /** Consumes a code with its subject; a wrong one spends an attempt of the subject's budget. */
  consumeCode(
    input: { purpose: string; subject: string; code: string; bind?: string },
    options?: InTransaction,
  ): Promise<
    | { ok: true; subject: string; data: Record<string, unknown> | null }
    | { ok: false; reason: 'wrong' | 'cooling_down'; attemptsLeft: number }
  >;
}

export function libraryTokens(ctx: Context, scope: SchemaScope): LibraryTokens {
  const run = <T>(options: InTransaction | undefined, work: (db: Db) => Promise<T>): Promise<T> =>
    options?.trx === undefined ? work(ctx.db) : scope.within(options.trx as unknown as Db, work);
  return {
    async issue(input, options) {
      checkPurpose(input.purpose);
      if (typeof input.subject !== 'string' || input.subject === '' || input.subject.length > 255)
        throw new TypeError('tokens.issue: subject must be a string of 1 to 255 characters');
      const ttlSeconds = input.ttl === undefined ? undefined : seconds(input.ttl);
      const issued = await run(options, (db) =>
        ctx.tokens.issue(db, {
          purpose: input.purpose,
          subject: input.subject,
          ttlSeconds,
          binding: input.bind ?? null,
          data: input.data ?? null,
          supersede: input.supersede,
        }),
      );
      return { token: issued.token, id: issued.id, expiresAt: isoTime(issued.expiresAt) };
    },
    async inspect(input, options) {
      checkPurpose(input.purpose);
      const inspection = await run(options, (db) => ctx.tokens.inspect(db, input.purpose, input.token));
      return inspection.state === 'unknown'
        ? inspection
        : { state: inspection.state, token: view(inspection.token) };
    },
    async consume(input, options) {
      checkPurpose(input.purpose);
      const result = await run(options, (db) =>
        ctx.tokens.consume(db, { purpose: input.purpose, token: input.token, binding: input.bind }),
      );
      return result.ok ? { ok: true, token: view(result.token) } : result;
    },
    async revoke(input, options) {
      checkPurpose(input.purpose);
      const owner = { subject: input.subject };
      return run(
        options,
        async (db) =>
          (await ctx.tokens.revoke(db, input.purpose, owner)) +
          (await ctx.codes.revoke(db, input.purpose, owner)),
      );
    },
    async issueCode(input, options) {
      checkPurpose(input.purpose);
      if (typeof input.subject !== 'string' || input.subject === '' || input.subject.length > 255)
        throw new TypeError('tokens.issueCode: subject must be a string of 1 to 255 characters');
      const issued = await run(options, (db) =>
        ctx.codes.issue(db, {
          purpose: input.purpose,
          subject: input.subject,
          digits: input.digits,
          ttlSeconds: input.ttl === undefined ? undefined : seconds(input.ttl),
          binding: input.bind ?? null,
          data: input.data ?? null,
        }),
      );
      return issued.ok ? { ...issued, expiresAt: isoTime(issued.expiresAt) } : issued;
    },
    async consumeCode(input, options) {
      checkPurpose(input.purpose);
      const result = await run(options, (db) =>
        ctx.codes.consume(db, {
          purpose: input.purpose,
          subject: input.subject,
          code: input.code,
          binding: input.bind,
        }),
      );
      return result.ok ? { ok: true, subject: input.subject, data: result.code.data } : result;
    },
  };
}

function checkPurpose(purpose: string): void {
  if (typeof purpose !== 'string' || !PURPOSE_PATTERN.test(purpose))
    throw new TypeError(`tokens: purpose must match ${PURPOSE_PATTERN}`);
  if ((FLOW_PURPOSES as readonly string[]).includes(purpose))
    throw new TypeError(`tokens: "${purpose}" belongs to oto's own flows; choose a purpose of the app's`);
}

function seconds(ttl: Duration): number {
  const value = typeof ttl === 'number' ? ttl : parseDurationSeconds(ttl);
  if (value === null || !Number.isInteger(value) || value < 1 || value > 31_536_000)
    throw new TypeError('tokens.issue: ttl must be 1 second to 365 days, as seconds or text such as "15m"');
  return value;
}

/** Times from the app's own pg connection come back as text (its pool parses bigint so); Number
 * reads both. */
function view(token: TokenInfo): TokenView {
  return {
    id: token.id,
    purpose: token.purpose,
    subject: token.subject,
    data: typeof token.data === 'string' ? (JSON.parse(token.data) as Record<string, unknown>) : token.data,
    createdAt: isoTime(Number(token.createdAt)),
    expiresAt: isoTime(Number(token.expiresAt)),
  };
}
