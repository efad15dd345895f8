import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config/config.ts';
import { DEV_MAILBOX_PATH } from '../http/dev-mailbox.ts';
import { createLogger, type Logger } from '../logging.ts';
import { mailConfigProblem, usesDevTransport } from '../mail/transport.ts';
import { exitWith, signingKeysOrExit } from './runtime.ts';

/**
 * `oto serve --workers N` (or WEB_CONCURRENCY=N): a primary process that forks N HTTP workers on
 * node:cluster. The primary opens no database and serves no request: it owns the listening socket
 * and hands each new connection to a worker in turn, restarts a worker that dies, and on SIGTERM or
 * SIGINT asks every worker to drain and exits once all have.
 *
 * Each worker is a whole `oto serve` (its own pool, its own event loop). The background worker
 * (outbox and webhook dispatchers, purge) runs in the worker of slot 0 only, and in its replacement
 * when it is restarted: N dispatchers would be safe, since every batch is claimed under a lease, but
 * would only poll the database N times as often for the same mail. While a replaced slot-0 process
 * is still draining, its successor may already claim: the leases keep each message to one sender.
 */

/** The environment variable that tells a forked worker its slot (0 … N-1). */
const SLOT_ENV = 'OTO_WORKER_SLOT';
/** What the primary sends a worker to make it shut down as on SIGTERM. */
const SHUTDOWN_MESSAGE = 'oto:shutdown';
/** Restart back-off: 1 s, doubled for each death in a row, at most 30 s. */
const RESTART_FIRST_MS = 1000;
const RESTART_MAX_MS = 30_000;
/** A worker that ran this long before it died starts the back-off over: it was not a crash loop. */
const STABLE_AFTER_MS = 60_000;
/** Past SHUTDOWN_TIMEOUT, how long the primary waits for workers to flush and exit before SIGKILL. */
const EXIT_GRACE_MS = 5000;

export interface ServeOptions {
  /** Run the background worker (in slot 0 when there are several HTTP workers). */
  worker: boolean;
  /** HTTP worker processes: 1 serves in this process, more fork a cluster. */
  workers: number;
}

/** True in a process `runPrimary` forked. */
export const isClusterWorker = (): boolean => cluster.isWorker;

/** Whether this process runs the background jobs: the single process, or the cluster's slot 0. */
export function runsBackgroundJobs(options: ServeOptions): boolean {
  return options.worker && (!cluster.isWorker || process.env[SLOT_ENV] === '0');
}

/** In a cluster worker: calls `shutdown` when the primary asks, or when the primary is gone. */
export function onPrimaryShutdown(shutdown: () => void): void {
  if (!cluster.isWorker) return;
  process.on('message', (message) => {
    if (message === SHUTDOWN_MESSAGE) shutdown();
  });
  process.on('disconnect', shutdown);
}

interface Slot {
  worker: Worker | undefined;
  startedAt: number;
  /** Deaths in a row, each within STABLE_AFTER_MS of its start. */
  failures: number;
  restart: NodeJS.Timeout | undefined;
  /** Whether a worker of this slot ever listened: until then, its death ends the instance. */
  listening: boolean;
  /** Whether the current worker listens (and so handles the shutdown message). */
  serving: boolean;
}

export function runPrimary(config: Config, options: ServeOptions): void {
  // SQLite: one writer per file at a time, and the group-commit driver makes that writer commit
  // for every request in flight in its process at once; a second process would only wait on the
  // file lock in a polling retry loop (docs/production.md#several-workers-on-one-machine).
  if (config.database.kind === 'sqlite') {
    exitWith(
      `oto: --workers ${options.workers} (WEB_CONCURRENCY) needs PostgreSQL: SQLite has one writer per file, ` +
        'which one process already uses fully; run one worker, or set DATABASE_URL to postgres://…',
    );
  }
  const mailProblem = mailConfigProblem(config);
  if (mailProblem) exitWith(`oto: configuration error: ${mailProblem}`);
  signingKeysOrExit(config);
  const logger = createLogger({ level: config.logLevel });
  if (config.limits.redisUrl === null && config.limits.ratePerMinute > 0) {
    logger.warn(
      { workers: options.workers },
      'per-IP rate limits are counted in each worker process apart: set REDIS_URL to share them',
    );
  }
  const slots: Slot[] = Array.from({ length: options.workers }, () => ({
    worker: undefined,
    startedAt: 0,
    failures: 0,
    restart: undefined,
    listening: false,
    serving: false,
  }));
  let stopping = false;
  let port = config.port;

  const fork = (index: number) => {
    const slot = slots[index]!;
    slot.restart = undefined;
    slot.startedAt = Date.now();
    const worker = cluster.fork({ [SLOT_ENV]: String(index) });
    slot.worker = worker;
    slot.serving = false;
    worker.on('listening', (address) => {
      port = address.port;
      slot.serving = true;
      if (slot.listening) return;
      slot.listening = true;
      if (slots.every((s) => s.listening)) announce(config, logger, options, port);
    });
    worker.on('exit', (exitCode, signal) => {
      slot.worker = undefined;
      if (stopping) return;
      if (!slot.listening) {
        // It never served: a bad configuration or an unreachable database, which a restart
        // would only meet again.
        logger.error(
          { workerPid: worker.process.pid, slot: index, exitCode, signal },
          'worker failed to start',
        );
        void stop(1);
        return;
      }
      slot.failures = Date.now() - slot.startedAt >= STABLE_AFTER_MS ? 1 : slot.failures + 1;
      const delayMs = Math.min(RESTART_FIRST_MS * 2 ** (slot.failures - 1), RESTART_MAX_MS);
      logger.error(
        { workerPid: worker.process.pid, slot: index, exitCode, signal, restartInMs: delayMs },
        'worker died: restarting it',
      );
      slot.restart = setTimeout(() => fork(index), delayMs);
    });
  };

  /** Asks every worker to drain, waits for them (at most SHUTDOWN_TIMEOUT and a grace), and exits. */
  const stop = async (failed: 0 | 1) => {
    stopping = true;
    const codes: Promise<number>[] = [];
    const workers: Worker[] = [];
    for (const slot of slots) {
      clearTimeout(slot.restart);
      const worker = slot.worker;
      if (!worker) continue;
      workers.push(worker);
      if (slot.serving) {
        codes.push(new Promise((resolve) => worker.once('exit', (code) => resolve(code ?? 1))));
        if (worker.isConnected()) worker.send(SHUTDOWN_MESSAGE);
      } else {
        // Still starting (a restart), so nothing in flight, and perhaps not yet listening for
        // the message: it just ends.
        codes.push(new Promise((resolve) => worker.once('exit', () => resolve(0))));
        worker.process.kill('SIGTERM');
      }
    }
    const killer = setTimeout(() => {
      logger.warn('workers still running past the shutdown deadline: killing them');
      for (const worker of workers) worker.process.kill('SIGKILL');
    }, config.shutdownTimeoutMs + EXIT_GRACE_MS);
    const clean = (await Promise.all(codes)).every((code) => code === 0);
    clearTimeout(killer);
    logger.info({ clean }, 'stopped');
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    process.exit(failed || (clean ? 0 : 1));
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: killing the workers');
      for (const slot of slots) slot.worker?.process.kill('SIGKILL');
      process.exit(1);
    }
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down');
    void stop(0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  for (let index = 0; index < slots.length; index++) fork(index);
}

function announce(config: Config, logger: Logger, options: ServeOptions, port: number): void {
  logger.info({ port, publicUrl: config.publicUrl, workers: options.workers }, 'oto is listening');
  process.stdout.write(
    `oto listening on http://${config.host}:${port} (links use ${config.publicUrl}), ` +
      `${options.workers} workers\n`,
  );
  if (usesDevTransport(config))
    process.stdout.write(`dev mailbox: ${config.publicUrl}${config.basePath}${DEV_MAILBOX_PATH}\n`);
  if (!options.worker)
    process.stdout.write('worker disabled in this process: run `oto worker` to deliver mail\n');
}
