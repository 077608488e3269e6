/** The start-up sweep of volume storage: files no live volume, snapshot or backup owns (left by a crash mid-copy or mid-destroy) are deleted. */
import type { Store } from '../../store/db.js';
import type { StoredFile, VolumeStorage } from '../../drivers/storage/storage.js';

/** Ids looked up per query. */
const BATCH = 500;

/**
 * Deletes the storage's files changed before `before` (ms since the epoch, e.g. the process start) that nothing owns:
 * temporary files of unfinished copies, and volume, snapshot or backup files without a live row. Files changed later may belong
 * to work under way and are left alone. Returns what was deleted, temporary files first, then backups, snapshots, volumes.
 */
export async function sweepOrphanFiles(store: Store, storage: VolumeStorage, before: number): Promise<StoredFile[]> {
  const old = (await storage.files()).filter((f) => f.mtimeMs < before);
  const liveVolumes = await liveIds(
    store,
    'volumes',
    old.filter((f) => f.kind === 'volume').map((f) => f.id),
  );
  const liveSnapshots = await liveIds(
    store,
    'snapshots',
    old.filter((f) => f.kind === 'snapshot').map((f) => f.id),
  );
  const liveBackups = await liveIds(
    store,
    'backups',
    old.filter((f) => f.kind === 'backup').map((f) => f.id),
  );
  const orphans = [
    ...old.filter((f) => f.kind === 'temp'),
    ...old.filter((f) => f.kind === 'backup' && !liveBackups.has(f.id)),
    ...old.filter((f) => f.kind === 'snapshot' && !liveSnapshots.has(f.id)),
    ...old.filter((f) => f.kind === 'volume' && !liveVolumes.has(f.id)),
  ];
  const removed: StoredFile[] = [];
  for (const f of orphans) {
    await storage.discard(f);
    removed.push(f);
  }
  return removed;
}

/** The ids among ids that have a row not removed in table. */
async function liveIds(store: Store, table: 'volumes' | 'snapshots' | 'backups', ids: string[]): Promise<Set<string>> {
  const live = new Set<string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += BATCH) {
    const rows = await store.db
      .selectFrom(table)
      .select('id')
      .where('id', 'in', unique.slice(i, i + BATCH))
      .where('removed_at', 'is', null)
      .execute();
    for (const r of rows) live.add(r.id);
  }
  return live;
}
