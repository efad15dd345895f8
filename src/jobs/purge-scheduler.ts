import type { Context } from '../context.ts';
import { runPurge } from './purge.ts';

export interface PurgeScheduler {
  /** Cancels the next pass and stops the one in flight between two batches; resolves when idle. */
  stop(): Promise<void>;
}

export interface PurgeSchedulerOptions {
  /**
   * Delay before the first pass. Default: a random 10 to 70 seconds, so a fleet that restarts
   * together does not purge in step, and frequent deploys (more often than PURGE_INTERVAL) still
   * purge.
   */
  firstRunDelayMs?: number;
}

/**
 * Runs the purge every PURGE_INTERVAL. The next pass is scheduled when the previous one ends, so
 * passes never overlap in one process; across processes the PostgreSQL advisory lock decides. A
 * failed pass (say, the database is down) is logged and retried at the next interval.
 */
export function startPurgeScheduler(ctx: Context, options: PurgeSchedulerOptions = {}): PurgeScheduler {
  const controller = new AbortController();
  const intervalMs = ctx.config.purge.intervalSeconds * 1000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const pass = async () => {
    try {
      const started = Date.now();
      const result = await runPurge(ctx, { signal: controller.signal });
      if (result.skipped) ctx.logger.info('purge skipped: another instance is purging');
      else ctx.logger.info({ purged: result.counts, ms: Date.now() - started }, 'purge pass done');
    } catch (error) {
      ctx.logger.warn({ err: error }, 'purge pass failed; retrying at the next interval');
    }
  };

  const schedule = (delayMs: number) => {
    if (controller.signal.aborted) return;
    timer = setTimeout(() => {
      running = pass().then(() => schedule(intervalMs));
    }, delayMs);
    // The scheduler alone never keeps the process alive.
    timer.unref();
  };
  schedule(options.firstRunDelayMs ?? 10_000 + Math.floor(Math.random() * 60_000));

  return {
    async stop() {
      controller.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
