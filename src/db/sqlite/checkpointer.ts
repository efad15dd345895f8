import { Worker } from 'node:worker_threads';
import type { WriterGate } from './driver.ts';

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
 *
 * The log only starts over when a checkpoint has copied all of it while no transaction reads or
 * writes it; the next write then begins again at the start of the file. Under steady writes a
 * PASSIVE checkpoint never gets there, because the group commit (driver.ts) keeps a write
 * transaction open almost all the time. So past a limit the thread asks the main thread, through a
 * shared word (the gate), to hold its writers back at the next gap between two groups, copies the
 * little the last PASSIVE round left, and lets them go: the log starts over after a pause of a few
 * milliseconds. Before the gate, a RESTART checkpoint waited for such a gap in SQLite's busy handler,
 * which polls in sleeps of up to 100 ms: it seldom found one, the log grew meanwhile (to 180 MB
 * once), and when it did get the lock it held every writer back while it copied the backlog (for
 * 20 to 700 ms). That was the p99 of the SQLite reset request in the benchmark.
 *
 * Gate states: OPEN (writers run), WANTED (the thread asks for a pause), HELD (the main thread has
 * paused and waits for OPEN). Either side gives up after a bounded wait, so a stuck or dead
 * thread never stops the writers for long, and a main thread that is idle (nothing to pause) or
 * inside one long transaction simply means no restart this round.
 *
 * A process can hold only its own writers. When several oto processes write to one file without a
 * pause, the log grows until they pause at once (or one goes idle), and then starts over; the
 * RESTART this replaced did no better there (measured: the log past 50 MB in two seconds).
 */
const OPEN = 0;
const WANTED = 1;
const HELD = 2;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const [OPEN, WANTED, HELD] = [${OPEN}, ${WANTED}, ${HELD}];
const gate = new Int32Array(workerData.gate);
const db = new DatabaseSync(workerData.path);
// A checkpoint never waits for a lock: what it cannot copy now, the next round copies.
db.exec('pragma busy_timeout = 0');
const passive = db.prepare('pragma wal_checkpoint(passive)');

function checkpoint() {
  try {
    return passive.get();
  } catch {
    return undefined; // busy: another connection is checkpointing
  }
}

/** Copies the rest of the log while the main thread holds its writers back. */
function finishWithWritersHeld() {
  // Most of a checkpoint's time is its first fsync, of all the log written since the last one.
  // Rounds in quick succession leave less and less of it for the one that holds the writers.
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    const result = checkpoint();
    // A transaction began just after a round that copied everything, and started the log over.
    if (result && result.log <= workerData.restartPages) return;
    if (performance.now() - started < 2) break;
  }
  Atomics.store(gate, 0, WANTED);
  Atomics.wait(gate, 0, WANTED, workerData.handshakeMs);
  // The main thread did not reach a gap in time (idle, or inside one long transaction).
  if (Atomics.compareExchange(gate, 0, WANTED, OPEN) === WANTED) return;
  try {
    checkpoint();
  } finally {
    Atomics.store(gate, 0, OPEN);
    Atomics.notify(gate, 0);
  }
}

let lastLog = -1;
const timer = setInterval(() => {
  const result = checkpoint();
  if (!result) return;
  // Nothing written since the last round, and all of it copied: the next transaction to begin
  // starts the log over by itself. While writes go on, one has always begun before the copy ends.
  const idle = result.log === lastLog && result.checkpointed >= result.log;
  lastLog = result.log;
  if (!idle && result.log > workerData.restartPages) finishWithWritersHeld();
}, workerData.intervalMs);

parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage('closed');
});
`;

export interface Checkpointer {
  /** The main thread's side of the gate; give it to the dialect. */
  readonly gate: WriterGate;
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  /** How often the thread checkpoints. */
  intervalMs?: number;
  /** Log size, in pages, past which the thread holds the writers back to start the log over. */
  restartPages?: number;
}

export function startCheckpointer(
  path: string,
  onFailure: () => void,
  { intervalMs = 50, restartPages = 4000 }: CheckpointerOptions = {},
): Checkpointer {
  const shared = new SharedArrayBuffer(4);
  const state = new Int32Array(shared);
  // 4,000 pages of 4 KiB: a log of at most about 16 MB between restarts.
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    // How long the thread waits for the main thread to reach a gap between groups: one turn of
    // the event loop, with room to spare.
    workerData: { path, intervalMs, restartPages, gate: shared, handshakeMs: 50 },
  });
  worker.unref();
  let stopping = false;
  const failed = () => {
    // Writers held by a thread that is gone would otherwise wait out MAX_HOLD_MS.
    Atomics.store(state, 0, OPEN);
    Atomics.notify(state, 0);
    if (!stopping) onFailure();
  };
  worker.on('error', failed);
  worker.on('exit', failed);
  return {
    gate: {
      wanted: () => Atomics.load(state, 0) === WANTED,
      hold: () => holdWriters(state),
    },
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

/** A held pause never outlasts this, whatever the thread does. */
const MAX_HOLD_MS = 1000;

async function holdWriters(state: Int32Array): Promise<void> {
  // The thread may have given up in the meantime; then there is nothing to wait for.
  if (Atomics.compareExchange(state, 0, WANTED, HELD) !== WANTED) return;
  Atomics.notify(state, 0);
  // A pending waitAsync does not keep Node's event loop alive: without a timer, a process with
  // nothing else to do (a CLI command) would exit in the middle of its writes.
  const alive = setTimeout(() => {}, MAX_HOLD_MS);
  try {
    const waiting = Atomics.waitAsync(state, 0, HELD, MAX_HOLD_MS);
    if (waiting.async) await waiting.value;
  } finally {
    clearTimeout(alive);
  }
  Atomics.compareExchange(state, 0, HELD, OPEN);
}
