import { randomBytes } from 'node:crypto';
import { verifyEmailBinding } from '../../src/accounts/bindings.ts';
import { newId } from '../../src/db/ids.ts';
import { fingerprint } from '../../src/tokens/secret.ts';
import type { BenchStore, BenchUser } from './seed.ts';

export const API_KEY = 'bench-api-key-0123456789abcdefghijklmnop';
const apiHeaders = { authorization: `Bearer ${API_KEY}` };

/** Request bodies for one run; consume runs draw one unused token per request. */
export interface Bodies {
  next(): string;
  /** True when the run asked for more bodies than were prepared (its late requests then fail). */
  exhausted(): boolean;
}

export interface Scenario {
  key: string;
  label: string;
  path: string;
  headers?: Record<string, string>;
  /** The issue's throughput target that applies to this scenario, if any. */
  target?: 'issue' | 'consume';
  /** A consume: its figure is also shown against the raw-driver consume ceiling. */
  consumes: boolean;
  /** Loads what a run of `requests` requests needs and returns their bodies. */
  prepare(store: BenchStore, need: Need): Promise<Bodies>;
}

export interface Need {
  /** Requests the run may make (consume runs need one fresh token each). */
  requests: number;
  /** Existing accounts to draw from, for the password-reset issue. */
  users: number;
}

/**
 * Tokens in a random order. People click their links in an order that has nothing to do with the
 * order the links were issued in; spending the seeded tokens in their insertion order updated all
 * ~33 rows of a heap page within milliseconds, which filled the page's free tenth before the old
 * row versions could be pruned: 57-79% of the consumes were HOT updates, against 100% in a random
 * order (docs/benchmark.md, index diet).
 */
export function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** Bodies drawn from a list in a random order, one per request; past its end a token no one issued (a 400). */
export function drawFrom(issued: string[], body: (token: string) => string): Bodies {
  const tokens = shuffled(issued);
  let next = 0;
  let overrun = false;
  const spent = body('A'.repeat(43));
  return {
    next() {
      const token = tokens[next++];
      if (token !== undefined) return body(token);
      overrun = true;
      return spent;
    },
    exhausted: () => overrun,
  };
}

export const tokenIssue: Scenario = {
  key: 'tokens.issue',
  label: 'token API: POST /v1/tokens',
  path: '/v1/tokens',
  headers: apiHeaders,
  consumes: false,
  async prepare() {
    // A new subject each time: issuing also supersedes the subject's live tokens (none here).
    let n = 0;
    return {
      next: () => `{"purpose":"bench","subject":"subject-${n++}"}`,
      exhausted: () => false,
    };
  },
};

export const tokenConsume: Scenario = {
  key: 'tokens.consume',
  label: 'token API: POST /v1/tokens/consume',
  path: '/v1/tokens/consume',
  headers: apiHeaders,
  consumes: true,
  async prepare(store, { requests }) {
    const rows = Array.from({ length: requests }, (_, i) => ({ purpose: 'bench', subject: `consumer-${i}` }));
    const tokens = await store.insertTokens(rows);
    return drawFrom(tokens, (token) => `{"purpose":"bench","token":"${token}"}`);
  },
};

/** Accounts made directly in the database; each call makes new ones. */
function makeUsers(count: number): BenchUser[] {
  const run = randomBytes(3).toString('hex');
  return Array.from({ length: count }, (_, i) => ({ id: newId(), email: `user-${run}-${i}@bench.example` }));
}

/** Verified accounts for the reset issue, made once per database and shared by every run. */
const resetUsers = new WeakMap<BenchStore, BenchUser[]>();

export const resetIssue: Scenario = {
  key: 'issue',
  label: 'issue: POST /v1/password-resets',
  path: '/v1/password-resets',
  target: 'issue',
  consumes: false,
  async prepare(store, { users }) {
    let accounts = resetUsers.get(store);
    if (accounts === undefined) {
      accounts = makeUsers(users);
      await store.insertUsers(accounts, true);
      resetUsers.set(store, accounts);
    }
    const list = accounts;
    // A random existing account each time: a token and an outbox row written per request.
    return {
      next: () => `{"email":"${list[Math.floor(Math.random() * list.length)]!.email}"}`,
      exhausted: () => false,
    };
  },
};

export const verifyConsume: Scenario = {
  key: 'consume',
  label: 'consume: POST /v1/users/verify',
  path: '/v1/users/verify',
  target: 'consume',
  consumes: true,
  async prepare(store, { requests }) {
    // One unverified account per token, each token bound as sign-up binds it, so every request does
    // the whole verification: token spent, user marked verified, sessions revoked, audit written.
    const accounts = makeUsers(requests);
    await store.insertUsers(accounts, false);
    const tokens = await store.insertTokens(
      accounts.map((user) => ({
        purpose: 'verify_email',
        userId: user.id,
        binding: fingerprint(verifyEmailBinding({ email_normalized: user.email, password_version: 1 })),
      })),
    );
    return drawFrom(tokens, (token) => `{"token":"${token}"}`);
  },
};
