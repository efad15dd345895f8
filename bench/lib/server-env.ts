import { randomBytes } from 'node:crypto';
import { API_KEY } from './scenarios.ts';

/** The environment of the oto server under test (bench/server.ts), for bench/run.ts and bench/index-diet.ts. */
export function serverEnv(
  databaseUrl: string,
  settings: { poolSize: number; logLevel: string },
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    DB_POOL_SIZE: String(settings.poolSize),
    OTO_API_KEYS: API_KEY,
    OTO_SIGNING_KEYS: `bench:${randomBytes(32).toString('base64url')}`,
    PUBLIC_URL: 'http://localhost:3000',
    LOG_LEVEL: settings.logLevel,
    RUN_WORKER: 'false',
    BENCH_COUNT_STATEMENTS: '1',
    // Every request comes from 127.0.0.1: a per-IP limit of 20 a minute would refuse nearly
    // all of them. The limiter still runs (and costs what it costs), with a ceiling out of reach.
    RATE_LIMIT_PER_MINUTE: '1000000',
    // Likewise per-recipient caps: each request must do the whole work, not stop at the cap.
    MAIL_CAP_VERIFY_PER_HOUR: '1000',
    MAIL_CAP_RESET_PER_HOUR: '1000',
  };
}
