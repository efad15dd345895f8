import type { Config } from '../config/config.ts';
import { buildApp } from '../http/app.ts';
import { DEV_MAILBOX_PATH } from '../http/routes/dev-mailbox.ts';
import { startWorker, type Worker } from '../jobs/worker.ts';
import { mailConfigProblem, usesDevTransport } from '../mail/transport.ts';
import { exitWith, openContext } from './runtime.ts';

export interface ServeOptions {
  worker: boolean;
}

/** `oto serve` and `npm start`: the HTTP server, and the background worker unless disabled. */
export async function serve(config: Config, options: ServeOptions): Promise<void> {
  const mailProblem = mailConfigProblem(config);
  if (mailProblem) exitWith(`oto: configuration error: ${mailProblem}`);
  const { ctx } = await openContext(config);
  const app = await buildApp(ctx);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  ctx.logger.info({ port, publicUrl: config.publicUrl, database: ctx.storage.dialect }, 'oto is listening');
  process.stdout.write(`oto listening on http://${config.host}:${port} (links use ${config.publicUrl})\n`);
  if (usesDevTransport(config)) process.stdout.write(`dev mailbox: ${config.publicUrl}${DEV_MAILBOX_PATH}\n`);
  const worker: Worker | null = options.worker ? startWorker(ctx) : null;
  if (!worker) process.stdout.write('worker disabled in this process: run `oto worker` to deliver mail\n');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), config.shutdownTimeoutMs).unref();
    await app.close();
    // The worker finishes or hands back its batch while the database is still open.
    await worker?.stop();
    await ctx.storage.close();
    clearTimeout(timer);
    ctx.logger.flush();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
