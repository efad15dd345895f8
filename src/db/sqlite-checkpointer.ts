import { Worker } from 'node:worker_threads';

/**
 * Runs SQLite's WAL checkpoints on a thread of their own.
 *
 * With WAL, a commit only appends to the log; every so often a checkpoint copies the log back into
 * the database file and fsyncs it. Left to SQLite, that happens inside whichever commit crosses the
 * threshold, on the event loop: measured here it was most of the cost of a commit and capped a
 * token-plus-email transaction at about 2,000/s. A second connection on a worker thread checkpoints
 * in PASSIVE mode instead, which never blocks the writer; the main connection turns its own
 * automatic checkpoints off. Durability is unchanged (synchronous=NORMAL, checkpoints still fsync).
 * If the thread dies, the main connection takes checkpoints back (onFailure).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.path);
db.exec('pragma busy_timeout = 2000');
const passive = db.prepare('pragma wal_checkpoint(passive)');
const restart = db.prepare('pragma wal_checkpoint(restart)');
const timer = setInterval(() => {
  try {
    const { log } = passive.get();
    // Under steady writes a passive checkpoint never quite catches up, and the log only starts
    // over once one does. Past the limit, RESTART copies the small remainder while holding
    // writers back for a moment, and the log starts over.
    if (log > workerData.restartPages) restart.get();
  } catch { /* busy: the next round catches up */ }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { passive.get(); } catch {}
  db.close();
  parentPort.postMessage('closed');
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(path: string, onFailure: () => void, intervalMs = 50): Checkpointer {
  // 4,000 pages of 4 KiB: a log of at most about 16 MB between restarts.
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, intervalMs, restartPages: 4000 },
  });
  worker.unref();
  let stopping = false;
  worker.on('error', () => {
    if (!stopping) onFailure();
  });
  worker.on('exit', () => {
    if (!stopping) onFailure();
  });
  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      const closed = new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.once('exit', () => resolve());
      });
      worker.postMessage('close');
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      await worker.terminate();
    },
  };
}
