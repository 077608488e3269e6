/**
 * SQLite WAL checkpoints off the commit path: a worker thread with its own connection copies the WAL back into the
 * database (PASSIVE: it never waits for or blocks the writer), so a COMMIT on the main connection no longer pays for an
 * automatic checkpoint. It checkpoints once the main connection ran minWrites writing statements since the last one,
 * or any once maxWaitMs have passed: a checkpoint that empties the WAL makes the next write on the main connection
 * start the WAL over and fsync its header on the event loop (tens of milliseconds while the disk is busy, e.g. with
 * drive transfers), so checkpointing after every small write would cost an fsync per write. The main connection keeps
 * a large autocheckpoint as a fallback should the worker fall behind. Crash safety is SQLite's own: a checkpoint only
 * copies committed frames.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

/**
 * The worker: one connection; each tick it checkpoints (PASSIVE) when enough writes were counted, or some were and
 * they waited long enough; closed on request before the thread exits.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
const writes = new Int32Array(workerData.writes);
let last = Date.now();
const tick = () => {
  const n = Atomics.load(writes, 0);
  if (n === 0 || (n < workerData.minWrites && Date.now() - last < workerData.maxWaitMs)) return;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    Atomics.sub(writes, 0, n);
    last = Date.now();
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
  stop(): Promise<void>;
}

/** How often the checkpointer looks and how much it lets wait in the WAL. */
export interface CheckpointPace {
  intervalMs: number;
  /** Writing statements that start a checkpoint on the next tick. */
  minWrites: number;
  /** Longest time fewer writes wait before they are checkpointed anyway. */
  maxWaitMs: number;
}

const DEFAULT_PACE: CheckpointPace = { intervalMs: 200, minWrites: 4096, maxWaitMs: 2000 };

/** Starts checkpointing the SQLite database at file from a worker thread, at the given pace. */
export function startCheckpointer(file: string, pace: Partial<CheckpointPace> = {}): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const shared = new SharedArrayBuffer(4);
  const writes = new Int32Array(shared);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { ...DEFAULT_PACE, ...pace, file, driver, writes: shared },
  });
  worker.unref();
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => resolve());
    worker.once('error', () => resolve());
  });
  return {
    wrote() {
      Atomics.add(writes, 0, 1);
    },
    async stop() {
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
