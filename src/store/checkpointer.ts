/**
 * SQLite WAL checkpoints off the commit path: a worker thread with its own connection copies the WAL back into the
 * database (PASSIVE: it never waits for or blocks the writer), so a COMMIT on the main connection no longer pays for an
 * automatic checkpoint. It checkpoints once the main connection ran minWrites writing statements since the last one,
 * or any once maxWaitMs have passed: a checkpoint that empties the WAL makes the next write on the main connection
 * start the WAL over and fsync its header on the event loop (tens of milliseconds while the disk is busy, e.g. with
 * drive transfers), so checkpointing after every small write would cost an fsync per write. Crash safety is SQLite's
 * own: a checkpoint only copies committed frames.
 *
 * SQLite starts the WAL over only when a write begins after a checkpoint copied every frame; under a steady stream of
 * transactions a new commit always lands while the checkpoint runs, so the WAL would grow until the main connection's
 * fallback autocheckpoint copied it on the event loop (~90 ms with its fsyncs, measured during a deploy burst). Once
 * the WAL holds restartFrames, the worker asks the main thread's transaction queue to hold new transactions, which it
 * does between two of them (awaiting, so the event loop keeps serving), finishes the checkpoint, and lets them go: the
 * first one starts the WAL over.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

/**
 * The worker: one connection; each tick it checkpoints (PASSIVE) when enough writes were counted, or some were and
 * they waited long enough; closed on request before the thread exits.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
const shared = new Int32Array(workerData.shared);
const [WRITES, GATE, OPEN, ASKED, HELD] = [0, 1, 0, 1, 2];
let last = Date.now();
let walBytes = 0;
const walGrew = () => {
  const before = walBytes;
  try {
    walBytes = statSync(workerData.file + '-wal').size;
  } catch {
    walBytes = 0;
  }
  return walBytes > before && walBytes >= workerData.restartFrames * 4096;
};
const checkpoint = () => db.pragma('wal_checkpoint(PASSIVE)')[0];
const restart = () => {
  Atomics.store(shared, GATE, ASKED);
  Atomics.wait(shared, GATE, ASKED, workerData.askMs);
  if (Atomics.compareExchange(shared, GATE, ASKED, OPEN) === ASKED) return;
  try {
    checkpoint();
  } finally {
    Atomics.store(shared, GATE, OPEN);
    Atomics.notify(shared, GATE);
  }
};
const tick = () => {
  const n = Atomics.load(shared, WRITES);
  const grew = n > 0 && walGrew();
  if (n === 0 || (!grew && n < workerData.minWrites && Date.now() - last < workerData.maxWaitMs)) return;
  try {
    const done = checkpoint();
    Atomics.sub(shared, WRITES, n);
    last = Date.now();
    if (done.log >= workerData.restartFrames) restart();
  } catch {
    /* busy or locked: the next tick tries again */
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** Autocheckpoint threshold (pages) left on the main connection as a fallback while the worker runs. */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 16_000;

/** A running checkpointer; stop() ends it and closes its connection. */
export interface Checkpointer {
  /** Counts one writing statement of the main connection (what paces the checkpoints). */
  wrote(): void;
  /** Resolves when a transaction may begin: at once, or once the checkpoint the worker asked to finish is done. */
  writable(): Promise<void> | undefined;
  stop(): Promise<void>;
}

/** How often the checkpointer looks and how much it lets wait in the WAL. */
export interface CheckpointPace {
  intervalMs: number;
  /** Writing statements that start a checkpoint on the next tick. */
  minWrites: number;
  /** Longest time fewer writes wait before they are checkpointed anyway. */
  maxWaitMs: number;
  /** WAL frames (pages) past which the worker holds new transactions to finish a checkpoint and start the WAL over. */
  restartFrames: number;
  /** How long the worker waits for the transaction queue to hold before it gives up until its next checkpoint. */
  askMs: number;
}

const DEFAULT_PACE: CheckpointPace = {
  intervalMs: 200,
  minWrites: 4096,
  maxWaitMs: 2000,
  restartFrames: 1024,
  askMs: 250,
};

/** The gate word of the shared memory: open, asked to hold by the worker, held by the transaction queue. */
const [GATE, ASKED, HELD] = [1, 1, 2];
/** Longest hold of the transaction queue, should the worker never answer. */
const HOLD_MS = 1000;

/** Starts checkpointing the SQLite database at file from a worker thread, at the given pace. */
export function startCheckpointer(file: string, pace: Partial<CheckpointPace> = {}): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const shared = new SharedArrayBuffer(8);
  const words = new Int32Array(shared);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { ...DEFAULT_PACE, ...pace, file, driver, shared },
  });
  worker.unref();
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => resolve());
    worker.once('error', () => resolve());
  });
  return {
    wrote() {
      Atomics.add(words, 0, 1);
    },
    writable() {
      if (Atomics.load(words, GATE) !== ASKED || Atomics.compareExchange(words, GATE, ASKED, HELD) !== ASKED) return;
      Atomics.notify(words, GATE);
      const held = Atomics.waitAsync(words, GATE, HELD, HOLD_MS);
      if (!held.async) return;
      // A wait on shared memory does not keep the process alive by itself.
      const alive = setTimeout(() => undefined, HOLD_MS);
      return held.value.then(() => clearTimeout(alive));
    },
    async stop() {
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
