import type { Config } from '../config/config.ts';
import { dialectOf } from '../db/dialect.ts';
import { purgeJob } from '../jobs/purge-job.ts';
import { startWorker } from '../jobs/worker.ts';
import { mailConfigProblem } from '../mail/transport.ts';
import { exitWith, openContext } from './runtime.ts';
import { onShutdownSignal } from './serve.ts';

/**
 * `oto worker`: the background jobs of `oto serve` (outbox dispatcher, purge scheduler) without the
 * HTTP server, for deployments that run web and worker processes apart (`oto serve --no-worker`).
 */
export async function runWorker(config: Config): Promise<void> {
  const mailProblem = mailConfigProblem(config);
  if (mailProblem) exitWith(`oto: configuration error: ${mailProblem}`);
  const { ctx } = await openContext(config);
  const worker = startWorker(ctx, { jobs: [purgeJob(ctx)] });
  ctx.logger.info({ database: dialectOf(ctx.db) }, 'oto worker started');
  process.stdout.write(`oto worker started (${config.mail.smtpUrl ? 'SMTP' : 'dev mailbox'} transport)\n`);

  onShutdownSignal(ctx, async (deadline) => {
    const stopped = worker.stop().then(() => true);
    return Promise.race([stopped, deadline]);
  });
}
