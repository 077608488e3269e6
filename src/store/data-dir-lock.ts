/**
 * The exclusive lock `nube serve` holds on a SQLite data dir: one process writes a SQLite store. The lock is SQLite's
 * own (an OS file lock on `serve.lock`), so the kernel drops it when the process ends, even by kill -9: never stale.
 * Other commands (`nube admin ...`) do not take it and keep working while serve runs.
 */
import Database from 'better-sqlite3';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A held data-dir lock. */
export interface DataDirLock {
  /** Gives the lock up (also happens when the process ends). */
  release(): void;
}

/** Thrown when another process holds the lock; its message is the one line the operator sees. */
class DataDirBusy extends Error {}

const held = new Set<Database.Database>();

/** Takes the lock of dir (which must exist) or throws DataDirBusy at once. */
export function lockDataDir(dir: string): DataDirLock {
  const file = join(dir, 'serve.lock');
  const pidFile = join(dir, 'serve.pid');
  closeSync(openSync(file, 'a', 0o600));
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
    const pid = readPid(pidFile);
    throw new DataDirBusy(
      `Another nube serve${pid ? ` (pid ${pid})` : ''} is using the data dir ${dir}; stop it first, or set NUBE_DATA_DIR to another directory`,
    );
  }
  // Referenced until released: a collected connection would close and drop the lock.
  held.add(db);
  writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
  return {
    release() {
      if (!held.delete(db)) return;
      db.close();
    },
  };
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
