import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from '../context.ts';
import { createDispatcher } from '../mail/dispatcher.ts';
import { createTransport, type MailTransport } from '../mail/transport.ts';
import type { MailObserver } from '../metrics.ts';
import { createWebhookDispatcher } from '../webhooks/dispatcher.ts';
import { resealSecrets } from '../webhooks/endpoints.ts';

/**
 * The background worker: periodic jobs, each in its own loop, in the `oto serve` process or alone
 * in `oto worker`. A job is a name, an interval and a function that does one round of work.
 *
 * To add a job (the purge, say), build a PeriodicJob in its own module and put it in the list in
 * startWorker; the loop, the error handling and the clean stop come with it.
 */
export interface PeriodicJob {
  name: string;
  intervalMs: number;
  /**
   * Wait before the first round (default: none). A job that every instance runs at the same
   * interval can start at a random offset, so that a fleet restarted together does not run in step.
   */
  initialDelayMs?: number;
  /**
   * Does one round. Returns true when more work is waiting right now (a full batch), to run again
   * without pausing. The signal is aborted when the worker stops: finish or hand back what the
   * round holds, quickly, and return.
   */
  run(signal: AbortSignal): Promise<boolean>;
}

export interface WorkerOptions {
  /** Defaults to the transport SMTP_URL selects; a transport made here is closed on stop. */
  transport?: MailTransport;
  /** Defaults to the context's metrics. */
  observer?: MailObserver;
  /** Jobs to run besides the outbox dispatcher. */
  jobs?: PeriodicJob[];
}

export interface Worker {
  /** Stops every job after its current round, then closes what the worker opened. */
  stop(): Promise<void>;
}

/** Pause after a round that threw, so a database outage is not hammered in a tight loop. */
const ERROR_PAUSE_MS = 5000;

export function startWorker(ctx: Context, options: WorkerOptions = {}): Worker {
  const transport = options.transport ?? createTransport(ctx.config);
  const jobs: PeriodicJob[] = [
    outboxJob(ctx, transport, options.observer ?? ctx.metrics.mailObserver),
    webhookJob(ctx),
    ...(options.jobs ?? []),
  ];
  const controller = new AbortController();
  const loops = jobs.map((job) => runLoop(ctx, job, controller.signal));
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        controller.abort();
        await Promise.all(loops);
        if (!options.transport) await transport.close();
      })();
      return stopped;
    },
  };
}

/** The outbox dispatcher as a job: one batch per round, the next at once when the batch was full. */
export function outboxJob(ctx: Context, transport: MailTransport, observer?: MailObserver): PeriodicJob {
  const dispatcher = createDispatcher(ctx, { transport, observer });
  return {
    name: 'outbox',
    intervalMs: ctx.config.mail.pollIntervalMs,
    async run(signal) {
      const report = await dispatcher.dispatchBatch(signal);
      if (report.claimed > 0) ctx.logger.debug({ job: 'outbox', ...report }, 'outbox batch');
      return report.full && !signal.aborted;
    },
  };
}

/** The webhook dispatcher as a job (src/webhooks/dispatcher.ts). */
export function webhookJob(ctx: Context): PeriodicJob {
  const dispatcher = createWebhookDispatcher(ctx);
  let resealed = false;
  return {
    name: 'webhooks',
    intervalMs: ctx.config.webhooks.pollIntervalMs,
    async run(signal) {
      if (!resealed) {
        const count = await resealSecrets(ctx);
        if (count > 0) ctx.logger.info({ job: 'webhooks', endpoints: count }, 'webhook secrets sealed anew');
        resealed = true;
      }
      const report = await dispatcher.dispatchBatch(signal);
      if (report.claimed > 0) ctx.logger.debug({ job: 'webhooks', ...report }, 'webhook batch');
      return report.full && !signal.aborted;
    },
  };
}

async function runLoop(ctx: Context, job: PeriodicJob, signal: AbortSignal): Promise<void> {
  if (job.initialDelayMs) await pause(job.initialDelayMs, signal);
  while (!signal.aborted) {
    let again = false;
    let wait = job.intervalMs;
    try {
      again = await job.run(signal);
    } catch (error) {
      ctx.logger.error({ job: job.name, err: error }, 'worker job failed; retrying later');
      wait = Math.max(wait, ERROR_PAUSE_MS);
    }
    if (!again) await pause(wait, signal);
  }
}

/** Sleeps, or returns early when the worker stops. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // Aborted: the caller's loop condition ends it.
  }
}
