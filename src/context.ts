import { type Clock, systemClock } from './clock.ts';
import type { Config, FlowPurpose } from './config/config.ts';
import type { Db, Storage } from './db/connect.ts';
import type { Logger } from './logging.ts';
import { createTokenEngine, type TokenEngine, type TokenObserver } from './tokens/tokens.ts';

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
  readonly logger: Logger;
}

export interface ContextOptions {
  clock?: Clock;
  tokenObserver?: TokenObserver;
}

export function createContext(
  config: Config,
  storage: Storage,
  logger: Logger,
  options: ContextOptions = {},
): Context {
  const clock = options.clock ?? systemClock;
  const tokens = createTokenEngine({
    clock,
    defaultTtlSeconds: (purpose) => config.tokenTtl[purpose as FlowPurpose] ?? config.tokenTtl.default,
    observer: options.tokenObserver,
  });
  return { config, storage, db: storage.db, clock, tokens, logger };
}
