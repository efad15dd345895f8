/** Milliseconds since the epoch. Every timestamp oto stores is one of these, in both databases. */
export type Millis = number;

/** Time comes through this, so tests can cross an expiry without sleeping. */
export interface Clock {
  now(): Millis;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock for tests: starts at a fixed instant and moves only when told to. */
export function manualClock(start: Millis = Date.UTC(2030, 0, 1)): Clock & { advance(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    advance(ms: number) {
      current += ms;
    },
  };
}

/** An instant as the JSON API writes it: ISO 8601 in UTC, e.g. 2030-01-01T12:00:00.000Z. */
export function isoTime(at: Millis): string {
  return new Date(at).toISOString();
}

/** An instant as the pages show it, to the minute: 2030-01-01 12:00 UTC. */
export function utcMinute(at: Millis): string {
  return `${isoTime(at).replace('T', ' ').slice(0, 16)} UTC`;
}
