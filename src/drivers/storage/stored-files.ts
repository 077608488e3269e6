/** Lists what a storage keeps on disk (volume, snapshot, backup and temporary files, by the id they belong to), so files nothing owns any more can be found. */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

/** One file in a storage directory: what it holds, whose it is and when it last changed. */
export interface StoredFile {
  /** A volume's data, a snapshot's data (or reference), a backup's data, or a temporary file of an unfinished copy. */
  kind: 'volume' | 'snapshot' | 'backup' | 'temp';
  /** The volume, snapshot or backup id the file belongs to. */
  id: string;
  path: string;
  mtimeMs: number;
}

/** The file name extensions a storage uses for volumes and for snapshots; other files are never listed. */
export interface StoredLayout {
  volumeDir: string;
  snapshotDir: string;
  volumeExts: string[];
  snapshotExts: string[];
  /** Where backups are kept and their extensions (absent: none listed). */
  backupDir?: string;
  backupExts?: string[];
}

const ID = '[A-Za-z0-9][A-Za-z0-9_-]{0,127}';

/** Every volume, snapshot, backup and temporary (`<file>.<hex>.tmp`) file of the layout, with its modification time. */
export async function listStoredFiles(layout: StoredLayout): Promise<StoredFile[]> {
  const out: StoredFile[] = [];
  const scan = async (dir: string, kind: 'volume' | 'snapshot' | 'backup', exts: string[]) => {
    const named = new RegExp(`^(${ID})\\.(?:${exts.join('|')})(\\.[0-9a-f]+\\.tmp)?$`);
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const m = named.exec(name);
      if (!m) continue;
      const path = join(dir, name);
      const st = await fs.lstat(path).catch(() => undefined);
      if (!st?.isFile()) continue;
      out.push({ kind: m[2] ? 'temp' : kind, id: m[1]!, path, mtimeMs: st.mtimeMs });
    }
  };
  await scan(layout.volumeDir, 'volume', layout.volumeExts);
  await scan(layout.snapshotDir, 'snapshot', layout.snapshotExts);
  if (layout.backupDir) await scan(layout.backupDir, 'backup', layout.backupExts ?? []);
  return out;
}

/** Deletes a temporary file; absent is fine. */
export async function removeTemp(file: StoredFile): Promise<void> {
  await fs.rm(file.path, { force: true });
}
