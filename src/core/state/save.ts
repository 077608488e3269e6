/** State save: one consistent read of every table, then the volume, snapshot and backup bytes, written as a tar stream (archive.ts). */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { readSnapshot } from '../../store/snapshot.js';
import { schemaVersion, stateTables } from '../../store/tables.js';
import { lastSerial } from '../../store/vm-serials.js';
import { foldShards } from '../vms/counts.js';
import { readSetting, SETTINGS } from '../../store/settings.js';
import { nowIso } from '../../lib/util.js';
import type { CoreDeps } from '../deps.js';
import { allRows, type PlainRow } from './rows.js';
import {
  dataRuns,
  encodeSegments,
  isEntryName,
  MANIFEST,
  segmentsLength,
  STATE_FORMAT_VERSION,
  type ReadAt,
  type StateManifest,
} from './archive.js';

/** What the consistent read gathered. */
interface Snapshot {
  tables: string[];
  rows: Map<string, PlainRow[]>;
  schema: string;
  keyCheck: string | null;
}

/** Reads the state at one moment, then returns the archive as a stream that is written while it is read (an error ends it). */
export async function saveState(deps: CoreDeps): Promise<Readable> {
  const snap = await readSnapshot(deps.store, async (q): Promise<Snapshot> => {
    const tables = await stateTables(q, deps.store.kind);
    const rows = new Map<string, PlainRow[]>();
    for (const t of tables) rows.set(t, await allRows(q, t));
    // Counters as SQLite keeps them: one live-VM row per account, the serial last handed out.
    const counters = foldShards(rows.get('counters') ?? []);
    const serial = await lastSerial(q, deps.store.kind);
    for (const r of counters)
      if (r.name === 'vm_serial' && serial !== undefined) r.value = Math.max(Number(r.value), serial);
    if (rows.has('counters')) rows.set('counters', counters);
    return {
      tables,
      rows,
      schema: await schemaVersion(q),
      keyCheck: (await readSetting(q, SETTINGS.keyCheck)) ?? null,
    };
  });
  const pack = tar.pack();
  write(deps, snap, pack).catch((err: unknown) => pack.destroy(err as Error));
  return pack;
}

async function write(deps: CoreDeps, snap: Snapshot, pack: tar.Pack): Promise<void> {
  const sha256: Record<string, string> = {};
  const sizes: Record<string, number> = {};
  const add = async (name: string, size: number, chunks: AsyncIterable<Buffer> | Iterable<Buffer>) => {
    sha256[name] = await addEntry(pack, name, size, chunks);
  };
  for (const t of snap.tables) {
    const rows = snap.rows.get(t)!;
    const body = Buffer.from(rows.map((r) => JSON.stringify(r) + '\n').join(''));
    await add(`tables/${t}.jsonl`, body.length, [body]);
  }
  const storage = deps.storage;
  if (storage) {
    const live = (t: string) =>
      (snap.rows.get(t) ?? []).filter((r) => r.removed_at === null || r.removed_at === undefined);
    const volumeSize = new Map(live('volumes').map((v) => [String(v.id), Number(v.size)]));
    const owned = new Set([...live('snapshots'), ...live('backups')].map((r) => String(r.id)));
    for (const file of await storage.files()) {
      const size = volumeSize.get(file.id);
      if (file.kind === 'volume' ? size === undefined : file.kind === 'temp' || !owned.has(file.id)) continue;
      const name = `files/${relative(deps.config.dataDir, file.path).split(sep).join('/')}`;
      if (!isEntryName(name)) continue;
      // A read makes the storage write out what it accepted for the volume and still holds.
      if (size !== undefined && size > 0) await storage.read(file.id, 0, 1, size);
      sizes[name] = await addFile(name, file.path, add);
    }
  }
  const manifest: StateManifest = {
    format: 'nube-state',
    format_version: STATE_FORMAT_VERSION,
    schema_version: snap.schema,
    store: deps.store.kind,
    driver: deps.config.driver,
    storage_format: storage?.format ?? 'none',
    created_at: nowIso(),
    secrets: { sealed: true, key_check: snap.keyCheck },
    tables: snap.tables,
    sizes,
    sha256,
  };
  const body = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
  await addEntry(pack, MANIFEST, body.length, [body]);
  pack.finalize();
}

/** Adds a file's bytes as segments (zero blocks left out); returns its length. */
async function addFile(
  name: string,
  path: string,
  add: (name: string, size: number, chunks: AsyncIterable<Buffer>) => Promise<void>,
): Promise<number> {
  const f = await open(path, 'r');
  try {
    const st = await f.stat();
    const read: ReadAt = async (offset, length) => {
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await f.read(buf, 0, length, offset);
      return bytesRead === length ? buf : buf.fill(0, bytesRead);
    };
    const unit = Math.max(512, Math.min(st.blksize || 512, 4096));
    const runs = await dataRuns(st.size, read, { bytes: st.blocks * 512, unit });
    await add(name, segmentsLength(runs), encodeSegments(runs, read));
    return st.size;
  } finally {
    await f.close();
  }
}

/** Writes one entry of exactly size bytes, waiting while the reader is behind; returns its sha256. */
async function addEntry(
  pack: tar.Pack,
  name: string,
  size: number,
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
): Promise<string> {
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    const w = pack.entry({ name, size, mode: 0o600, mtime: new Date() }, (err) => (err ? reject(err) : resolve()));
    (async () => {
      for await (const c of chunks) {
        hash.update(c);
        if (!w.write(c)) await once(w, 'drain');
      }
      w.end();
    })().catch(reject);
  });
  return hash.digest('hex');
}
