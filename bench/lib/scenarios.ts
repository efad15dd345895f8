import type { BenchStore } from './seed.ts';

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
  /** Loads what `requests` requests need and returns their bodies. */
  prepare(store: BenchStore, requests: number): Promise<Bodies>;
}

/** Bodies drawn from a list, one per request; past its end a token no one issued (a 400). */
export function drawFrom(tokens: string[], body: (token: string) => string): Bodies {
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
  async prepare(store, requests) {
    const rows = Array.from({ length: requests }, (_, i) => ({ purpose: 'bench', subject: `consumer-${i}` }));
    const tokens = await store.insertTokens(rows);
    return drawFrom(tokens, (token) => `{"purpose":"bench","token":"${token}"}`);
  },
};
