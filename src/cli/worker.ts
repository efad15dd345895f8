import type { Config } from '../config/config.ts';
import { startWorker } from '../jobs/worker.ts';
import { mailConfigProblem } from '../mail/transport.ts';
import { exitWith, openContext } from './runtime.ts';

/** `oto worker`: the background jobs (outbox dispatcher and the rest) without the HTTP server. */
export async function runWorker(config: Config): Promise<void> {
  const mailProblem = mailConfigProblem(config);
  if (mailProblem) exitWith(`oto: configuration error: ${mailProblem}`);
  const { ctx } = await openContext(config);
  const worker = startWorker(ctx);
  ctx.logger.info({ database: ctx.storage.dialect }, 'oto worker started');
  process.stdout.write(`oto worker started (${config.mail.smtpUrl ? 'SMTP' : 'dev mailbox'} transport)\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.logger.info({ signal }, 'worker shutting down');
    const timer = setTimeout(() => process.exit(1), config.shutdownTimeoutMs).unref();
    await worker.stop();
    await ctx.storage.close();
    clearTimeout(timer);
    ctx.logger.flush();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
