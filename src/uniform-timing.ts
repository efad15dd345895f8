import { AsyncLocalStorage } from 'node:async_hooks';
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
 *
 * What is left to chance is corrected by watching the outcome. A short path's own work sometimes
 * outlasts its drawn time and cannot give the excess back; a wait ends a little late or early; and
 * what follows the flow, the same code on both paths (the reply, its serialization, the access
 * line), ran 10-15% slower after a full path: 15-18 µs on a SQLite resend of about 600 µs, p < 0.0001
 * on its own, which CI's faster machine told apart over the whole request (the full path's work
 * leaving the processor's caches cold; neither the event loop's phase, nor the garbage collector,
 * nor a 200 µs pause before answering changed it). Each of these was once corrected on its own,
 * and each correction was off in some run. So the time that matters is measured instead: from the
 * flow's start until its answer has gone out (onResponse, src/http/answer-timing.ts; the flow's
 * end in library mode, where oto does not send the answer), and a short path waits its drawn time
 * plus an offset that moves until the medians of the recent answers of both paths agree.
 */
export class UniformTiming {
  readonly #recent: number[] = [];
  #next = 0;
  /** The recent times (ms) from a flow's start to its answer, of either path. */
  readonly #answers = { full: new Recent(), short: new Recent() };
  /** Added to a short path's drawn time (ms), kept where both paths' medians agree. */
  #offset = 0;

  /**
   * The flow that began at `startedAt` (performance.now()) has done its work, the full work or
   * less: resolves when it may answer.
   */
  async ended(startedAt: number, fullPath: boolean): Promise<void> {
    let waited = false;
    if (fullPath) this.#full(startedAt);
    else waited = await this.#short(startedAt);
    const answer = answers.getStore();
    if (answer === undefined) this.#answered(fullPath, startedAt, waited);
    else {
      answer.timing = this;
      answer.fullPath = fullPath;
      answer.startedAt = startedAt;
      answer.waited = waited;
    }
  }

  /** The answer of a request whose flow ended through this timing has gone out (onResponse). */
  answered(answer: Answer): void {
    this.#answered(answer.fullPath, answer.startedAt, answer.waited);
  }

  #answered(fullPath: boolean, startedAt: number, waited: boolean): void {
    const { full, short } = this.#answers;
    (fullPath ? full : short).add(performance.now() - startedAt);
    if (fullPath || full.size < ANSWERS_BEFORE_OFFSET || short.size < ANSWERS_BEFORE_OFFSET) return;
    // Each short answer moves the offset by a part of the medians' difference: small enough that
    // the noise of two medians of a few dozen answers averages out, large enough to follow the
    // load within a hundred requests or so.
    const fullTime = full.median();
    const step = (fullTime - short.median()) * OFFSET_GAIN;
    // Only a short path that waited lowers it: one whose own work outlasted its deadline would
    // have been as slow with any offset. Lowering it then anyway ran it far below what it needs
    // (the short path 0.71× as long as the full one on SQLite, once the process had warmed up).
    // Where a short path's own work is nearly the full one's (PostgreSQL's one-call reset request,
    // whose paths differ only inside the database), waiting for a drawn full time makes it slower
    // than the full path (the later of two similar times), 1.4× under CI's load, and the offset
    // goes as low as it takes to wait less often.
    if (step < 0 && !waited) return;
    this.#offset = Math.max(-fullTime, Math.min(this.#offset + step, fullTime * MAX_OFFSET));
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
   * drawn at random, would have; true if it had to wait for that. Drawing reproduces the full path's spread as well as its middle;
   * waiting for the median made a cluster that the Mann-Whitney test could tell from the spread.
   */
  async #short(startedAt: number): Promise<boolean> {
    if (this.#recent.length === 0) return false;
    const drawn = this.#recent[Math.floor(Math.random() * this.#recent.length)]!;
    const deadline = startedAt + drawn + this.#offset;
    if (deadline <= performance.now()) return false;
    await waitUntil(deadline);
    return true;
  }
}

/**
 * One request's answer, followed from the flow (ended()) to the moment it goes out: the HTTP
 * layer opens one per request (followAnswer), and reports it once the response is sent.
 */
export interface Answer {
  timing: UniformTiming | undefined;
  fullPath: boolean;
  startedAt: number;
  /** A short path that had to wait for its deadline. */
  waited: boolean;
}

const answers = new AsyncLocalStorage<Answer>();

/**
 * Opens the answer of the request being handled: the flows it runs find it from here (an async
 * local store, so that no flow's signature carries a concern of the HTTP layer).
 */
export function followAnswer(): Answer {
  const answer: Answer = { timing: undefined, fullPath: false, startedAt: 0, waited: false };
  answers.enterWith(answer);
  return answer;
}

/** How many answers of each path are measured before the offset moves. */
const ANSWERS_BEFORE_OFFSET = 8;
/** The part of the medians' difference that one short answer adds to the offset. */
const OFFSET_GAIN = 0.03;
/**
 * The largest offset, as a part of the full path's median answer time: the effects above were
 * measured at 10% at most, and a noisy start must not make every short answer wait far too long.
 * Downwards it goes as far as not waiting at all.
 */
const MAX_OFFSET = 0.2;

/**
 * The last few samples of a time, by their median: these times have a long tail (a garbage
 * collection, another request's turn) that a mean would follow.
 */
class Recent {
  readonly #samples: number[] = [];
  #next = 0;

  get size(): number {
    return this.#samples.length;
  }

  add(sample: number): void {
    if (this.#samples.length < ANSWER_SAMPLES) this.#samples.push(sample);
    else this.#samples[this.#next] = sample;
    this.#next = (this.#next + 1) % ANSWER_SAMPLES;
  }

  /** 0 before the first sample. */
  median(): number {
    if (this.#samples.length === 0) return 0;
    const sorted = this.#samples.toSorted((a, b) => a - b);
    return sorted[sorted.length >> 1]!;
  }
}

/** Odd, for a median that is one of them. */
const ANSWER_SAMPLES = 31;

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
