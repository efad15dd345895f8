import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

/**
 * Uniform timing for the flows that answer the same whether or not an address has an account:
 * sign-up, the password-reset request and the resend of a verification link (security requirement
 * C.10: the medians of the two classes within 10%, and no Mann-Whitney difference at p ≤ 0.01).
 *
 * Their answers are the same bytes and their mail leaves through the outbox, but their work is not
 * the same: for an account under its cap the flow writes a token and an outbox row, otherwise only
 * an audit row. Measured over HTTP with 300 interleaved requests per class, the reset request took
 * 1.30× as long for an account on SQLite and 1.11× on PostgreSQL, the resend 1.30× on SQLite, each
 * with p below 1e-10: enough to tell who has an account.
 *
 * Doing the same writes for every address would mean decoy rows (tokens nobody holds, emails
 * nobody receives) or mailing people who never signed up. Instead the short path waits: it answers
 * once it has taken as long as a recent full path. What is stored is unchanged, and the full path,
 * the one the benchmark and real users take, pays nothing. Only the part of a flow that differs
 * between the paths is timed: sign-up hashes the password on every path first, and that hash's
 * spread (milliseconds) would drown the difference (a fraction of one).
 *
 * Until the first full path has run there is nothing to wait for; a fresh process answers its first
 * short requests as fast as they go.
 */
export class UniformTiming {
  readonly #recent: number[] = [];
  #next = 0;
  /** How late the recent waits ended, on average (ms): the next wait ends that much sooner. */
  #lateBy = 0;

  /**
   * The flow that began at `startedAt` (performance.now()) has done its work, the full work or
   * less: resolves when it may answer.
   */
  async ended(startedAt: number, fullPath: boolean): Promise<void> {
    if (fullPath) this.#full(startedAt);
    else await this.#short(startedAt);
  }

  /** A full path (token and email) that began at `startedAt` has just ended. */
  #full(startedAt: number): void {
    const took = performance.now() - startedAt;
    if (this.#recent.length < RECENT) this.#recent.push(took);
    else this.#recent[this.#next] = took;
    this.#next = (this.#next + 1) % RECENT;
  }

  /**
   * A short path that began at `startedAt` has ended: resolves when one of the recent full paths,
   * drawn at random, would have. Drawing reproduces the full path's spread as well as its middle;
   * waiting for the median made a cluster that the Mann-Whitney test could tell from the spread.
   */
  async #short(startedAt: number): Promise<void> {
    if (this.#recent.length === 0) return;
    const drawn = this.#recent[Math.floor(Math.random() * this.#recent.length)]!;
    // A wait ends late by the timer's and the event loop's delay, which on PostgreSQL (a reset
    // request of about a millisecond) made the short path 3-5% slower than the full one, p < 0.01.
    // The average lateness of recent waits is taken off the next deadline. It is signed: a wait
    // ends at the turn nearest its deadline, often just before it, and counting those as 0 kept the
    // correction too large (a sign-in code's short path ended 8 µs early on SQLite). Each wait's
    // error moves the correction by a tenth of itself, so the errors average out to 0.
    const deadline = startedAt + drawn - this.#lateBy;
    await waitUntil(deadline);
    const late = performance.now() - deadline;
    this.#lateBy += (Math.max(-drawn, Math.min(late, drawn)) - this.#lateBy) * 0.1;
  }
}

/**
 * How many recent full paths are drawn from: few enough to follow the load as it changes (63 lagged
 * behind a run that was still warming up, and the short path came out 3% slower), enough to
 * reproduce their spread.
 */
const RECENT = 15;

/**
 * Timers fire in whole milliseconds, late, while the gap to close is often a fraction of one: the
 * last millisecond is waited out in turns of the event loop, which go on serving other requests.
 * The wait ends at the turn that ends nearest the deadline, judged by the length of the turn
 * before: stopping at the first turn past it overshot by 11 µs in the median, 1.6% of a reset
 * request on SQLite, enough for the Mann-Whitney test to tell the two paths apart.
 */
async function waitUntil(deadline: number): Promise<void> {
  const whole = Math.floor(deadline - performance.now() - 1);
  if (whole >= 1) await sleep(whole);
  let previous = performance.now();
  for (;;) {
    const now = performance.now();
    if (now + (now - previous) / 2 >= deadline) return;
    previous = now;
    await nextTurn();
  }
}
