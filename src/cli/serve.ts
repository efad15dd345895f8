import type { Config } from '../config/config.ts';
import type { Context } from '../context.ts';
import { dialectOf } from '../db/dialect.ts';
import { buildApp } from '../http/app.ts';
import { DEV_MAILBOX_PATH } from '../http/dev-mailbox.ts';
import { purgeJob } from '../jobs/purge-job.ts';
import { startWorker } from '../jobs/worker.ts';
import { mailConfigProblem, usesDevTransport } from '../mail/transport.ts';
import {
  isClusterWorker,
  onPrimaryShutdown,
  runPrimary,
  runsBackgroundJobs,
  type ServeOptions,
} from './cluster.ts';
import { exitWith, openContext } from './runtime.ts';

export type { ServeOptions };

/**
 * `oto serve` and `npm start`: the HTTP server, and the background worker unless disabled; with
 * several workers, the primary that forks them (cluster.ts), or one of them.
 */
export async function serve(config: Config, options: ServeOptions): Promise<void> {
  if (options.workers > 1 && !isClusterWorker()) return runPrimary(config, options);
  const mailProblem = mailConfigProblem(config);
  if (mailProblem) exitWith(`oto: configuration error: ${mailProblem}`);
  const { ctx } = await openContext(config);
  const app = await buildApp(ctx);
  const jobs = runsBackgroundJobs(options);
  const worker = jobs ? startWorker(ctx, { jobs: [purgeJob(ctx)] }) : null;
  // While shutting down, every response ends its connection: a keep-alive connection that finishes
  // its last request would otherwise stay open and hold the shutdown until the deadline.
  let closing = false;
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  // Signals are handled before the port opens, so a supervisor that stops oto the moment it
  // answers still gets a clean shutdown.
  onShutdownSignal(ctx, async (deadline) => {
    // Stop accepting connections and let in-flight requests finish; idle keep-alive connections
    // are closed at once, and a request arriving on a busy one gets a 503 (return503OnClosing).
    closing = true;
    // The outbox worker finishes or hands back its batch meanwhile; the database closes after.
    const stopped = Promise.all([app.close(), worker?.stop()]).then(() => true);
    const clean = await Promise.race([stopped, deadline]);
    if (!clean) {
      ctx.logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'still busy at the deadline: cutting off');
      app.server.closeAllConnections();
    }
    return clean;
  });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  ctx.logger.info(
    { port, publicUrl: config.publicUrl, database: dialectOf(ctx.db), worker: jobs },
    'oto is listening',
  );
  // In a cluster, the primary prints these lines once every worker listens.
  if (isClusterWorker()) return;
  process.stdout.write(`oto listening on http://${config.host}:${port} (links use ${config.publicUrl})\n`);
  if (usesDevTransport(config))
    process.stdout.write(`dev mailbox: ${config.publicUrl}${config.basePath}${DEV_MAILBOX_PATH}\n`);
  if (!worker) process.stdout.write('worker disabled in this process: run `oto worker` to deliver mail\n');
}

/**
 * On SIGTERM or SIGINT, or when a cluster's primary asks: run `stop` (bounded by SHUTDOWN_TIMEOUT),
 * close the database and exit 0, or 1 if work had to be cut short. A second signal exits at once,
 * except in a cluster worker: Ctrl-C signals every process of the group and the primary asks too,
 * in either order, so there the primary alone decides to cut short (it kills its workers).
 */
export function onShutdownSignal(ctx: Context, stop: (deadline: Promise<false>) => Promise<boolean>): void {
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals | 'primary') => {
    if (stopping && isClusterWorker()) return;
    if (stopping) {
      ctx.logger.warn({ signal }, 'second signal: exiting now');
      await flush(ctx);
      process.exit(1);
    }
    stopping = true;
    ctx.logger.info({ signal, timeoutMs: ctx.config.shutdownTimeoutMs }, 'shutting down');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ctx.config.shutdownTimeoutMs);
    });
    let clean = false;
    try {
      clean = await stop(deadline);
    } catch (error) {
      ctx.logger.error({ err: error }, 'error while shutting down');
    } finally {
      clearTimeout(timer);
    }
    await ctx.storage.close().catch(() => {});
    ctx.logger.info({ clean }, 'stopped');
    await flush(ctx);
    process.exit(clean ? 0 : 1);
  };
  process.on('SIGTERM', (signal) => void shutdown(signal));
  process.on('SIGINT', (signal) => void shutdown(signal));
  onPrimaryShutdown(() => void shutdown('primary'));
}

function flush(ctx: Context): Promise<void> {
  return new Promise((resolve) => ctx.logger.flush(() => resolve()));
}
