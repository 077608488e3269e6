/**
 * SQLite WAL checkpoints off the commit path: a worker thread with its own connection copies the WAL back into the
 * database every few hundred milliseconds (PASSIVE: it never waits for or blocks the writer), so a COMMIT on the main
 * connection no longer pays for an automatic checkpoint. The main connection keeps a large autocheckpoint as a
 * fallback should the worker fall behind. Crash safety is SQLite's own: a checkpoint only copies committed frames.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

/** The worker: one connection, a PASSIVE checkpoint per tick, closed on request before the thread exits. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
const tick = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
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
  stop(): Promise<void>;
}

/** Starts checkpointing the SQLite database at file every intervalMs from a worker thread. */
export function startCheckpointer(file: string, intervalMs = 200): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, intervalMs, driver } });
  worker.unref();
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => resolve());
    worker.once('error', () => resolve());
  });
  return {
    async stop() {
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
