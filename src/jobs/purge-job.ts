import type { Context } from '../context.ts';
import { runPurge } from './purge.ts';
import type { PeriodicJob } from './worker.ts';

/**
 * The purge as a worker job: one pass every PURGE_INTERVAL, in `oto serve` (unless --no-worker)
 * and in `oto worker`. The worker's loop runs the next pass only after the previous one ended, so
 * passes never overlap in one process; across processes the PostgreSQL advisory lock decides, and
 * the instances that find it taken skip the pass. A failed pass (the database is down, say) is
 * logged by the worker and retried at the next interval. Stopping the worker aborts the pass
 * between two batches.
 */
export function purgeJob(ctx: Context): PeriodicJob {
  return {
    name: 'purge',
    intervalMs: ctx.config.purge.intervalSeconds * 1000,
    async run(signal) {
      const started = performance.now();
      const result = await runPurge(ctx, { signal });
      if (result.skipped) ctx.logger.info({ job: 'purge' }, 'purge skipped: another instance is purging');
      else {
        const ms = Math.round(performance.now() - started);
        ctx.logger.info({ job: 'purge', purged: result.counts, ms }, 'purge pass done');
      }
      return false;
    },
  };
}
