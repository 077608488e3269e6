/** Keeps the data dir private to the user running Nube: it holds the database, the master key, credentials and volume data. */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where to say what was changed (a pino logger fits). */
export interface WarnLog {
  warn(obj: object, msg: string): void;
}

/**
 * Creates the data dir (0700) and makes everything this process creates from now on owner-only (umask 077, which also
 * covers files that SQLite, qemu-img and QEMU create); then removes group and other permissions from everything
 * already under the data dir (symbolic links are left alone), and says so in one log line when it changed anything.
 */
export function makeDataDirPrivate(dataDir: string, log: WarnLog): void {
  process.umask(0o077);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const out = { changed: 0, failed: [] as string[] };
  const visit = (path: string) => {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st || st.isSymbolicLink()) return;
    if (st.mode & 0o077) {
      try {
        chmodSync(path, st.mode & 0o700);
        out.changed++;
      } catch {
        out.failed.push(path);
      }
    }
    if (!st.isDirectory()) return;
    let names: string[] = [];
    try {
      names = readdirSync(path);
    } catch {
      out.failed.push(path);
    }
    for (const name of names) visit(join(path, name));
  };
  visit(dataDir);
  if (out.changed)
    log.warn(
      { dataDir, entries: out.changed },
      'files under the data dir were readable by other local users; they are now owner-only',
    );
  if (out.failed.length)
    log.warn({ dataDir, paths: out.failed.slice(0, 20) }, 'could not make these paths under the data dir owner-only');
}
