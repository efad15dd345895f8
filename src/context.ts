import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config/config.ts';
import type { Db, Storage } from './db/schema.ts';
import { EventBus } from './events.ts';
import type { Logger } from './logging.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import type { FlowPurpose } from './purposes.ts';
import { codeKeysFor } from './tokens/code-key.ts';
import { type CodeEngine, createCodeEngine } from './tokens/codes.ts';
import { createTokenEngine, type TokenEngine, type TokenObserver } from './tokens/tokens.ts';
import { UniformTiming } from './uniform-timing.ts';

/**
 * What every part of oto works with: the config, the database, the clock, the token engine and
 * the logger. Built once per process (or per test) and passed down; no module reaches for globals.
 */
export interface Context {
  readonly config: Config;
  readonly storage: Storage;
  readonly db: Db;
  readonly clock: Clock;
  readonly tokens: TokenEngine;
  /** One-time codes (src/tokens/codes.ts); their key is read on first use, never logged. */
  readonly codes: CodeEngine;
  readonly logger: Logger;
  /** This context's own Prometheus registry and the observers that feed it. */
  readonly metrics: Metrics;
  /** oto's events, emitted by the flows after commit (src/events.ts). */
  readonly events: EventBus;
  /** How long the flows that must not reveal an account take (src/uniform-timing.ts). */
  readonly timing: {
    readonly signUp: UniformTiming;
    readonly passwordResetRequest: UniformTiming;
    readonly verificationResend: UniformTiming;
    readonly signInRequest: UniformTiming;
    /** A code checked with its email: an unknown address takes as long as a wrong code. */
    readonly codeCheck: UniformTiming;
  };
}

export interface ContextOptions {
  clock?: Clock;
  /** Told about issues and consumes in addition to the context's metrics. */
  tokenObserver?: TokenObserver;
}

export function createContext(
  config: Config,
  storage: Storage,
  logger: Logger,
  options: ContextOptions = {},
): Context {
  const clock = options.clock ?? systemClock;
  const metrics = createMetrics();
  const extra = options.tokenObserver;
  const tokens = createTokenEngine({
    clock,
    defaultTtlSeconds: (purpose) => config.tokenTtl[purpose as FlowPurpose] ?? config.tokenTtl.default,
    observer: {
      issued(purpose) {
        metrics.tokenObserver.issued(purpose);
        extra?.issued(purpose);
      },
      consumed(purpose, outcome) {
        metrics.tokenObserver.consumed(purpose, outcome);
        extra?.consumed(purpose, outcome);
      },
    },
  });
  const timing = {
    signUp: new UniformTiming(),
    passwordResetRequest: new UniformTiming(),
    verificationResend: new UniformTiming(),
    signInRequest: new UniformTiming(),
    codeCheck: new UniformTiming(),
  };
  const codes = createCodeEngine({ clock, settings: config.codes, keys: () => codeKeysFor(config) });
  return {
    config,
    storage,
    db: storage.db,
    clock,
    tokens,
    codes,
    logger,
    metrics,
    events: new EventBus(logger),
    timing,
  };
}
