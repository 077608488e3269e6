/**
 * The state file: a tar archive of one JSON-lines file per table (`tables/<name>.jsonl`), the files of every volume,
 * snapshot and backup as the storage keeps them (`files/<dir>/<name>`), then `manifest.json`, which names
 * the format and schema versions, the store it came from, whether secrets travel (sealed under the source's master
 * key) and the sha256 of every other entry. Bytes are stored as segments (a 16-byte header — offset and length, both
 * 64-bit big-endian — then the bytes), zero blocks left out, so a sparse volume takes the room of its data only.
 */
import { open } from 'node:fs/promises';

/** The archive layout this code writes and reads. */
export const STATE_FORMAT_VERSION = 1;

/** What `manifest.json` says about the archive. */
export interface StateManifest {
  format: 'nube-state';
  format_version: number;
  /** The last migration of the store the state came from; a store on another schema refuses it. */
  schema_version: string;
  /** The kind of store saved (sqlite or postgres); either kind loads it. */
  store: 'sqlite' | 'postgres';
  /** The compute driver and the volume file format of the source (files are kept as they were: a store loads files of its own format only). */
  driver: string;
  storage_format: string;
  created_at: string;
  /** Secrets stay encrypted under the source's master key; key_check identifies that key (null when the store never had one). */
  secrets: { sealed: true; key_check: string | null };
  tables: string[];
  /** The length in bytes of every file whose bytes are in the archive, by entry name. */
  sizes: Record<string, number>;
  /** The sha256 (hex) of every other entry, by entry name. */
  sha256: Record<string, string>;
}

/** The manifest's entry name. */
export const MANIFEST = 'manifest.json';

const ID = '[A-Za-z0-9][A-Za-z0-9_-]{0,127}';
const ENTRY_NAMES = [
  /^tables\/[a-z0-9_]{1,64}\.jsonl$/,
  new RegExp(`^files/(?:volumes|snapshots|backups)/${ID}\\.[a-z0-9]{1,8}$`),
];

/** True for the names an archive may hold (anything else, such as `../x`, is refused before it is written anywhere). */
export function isEntryName(name: string): boolean {
  return name === MANIFEST || ENTRY_NAMES.some((re) => re.test(name));
}

/** The block size bytes are scanned and copied in. */
const BLOCK = 1 << 20;
const HEADER = 16;

/** Reads length bytes at offset of the thing being saved. */
export type ReadAt = (offset: number, length: number) => Promise<Buffer>;

/**
 * The runs of blocks holding any non-zero byte, as [offset, length]. With the file's allocation (st_blocks * 512 bytes
 * in file-system blocks of at least `unit` bytes: min(st_blksize, 4096) on Linux file systems), the scan ends once the
 * non-zero units seen fill it: each lies in an allocated block of its own, so the rest of the file is holes (Node
 * cannot seek to data, and reading gigabytes of holes takes long).
 */
export async function dataRuns(
  size: number,
  read: ReadAt,
  alloc: { bytes: number; unit: number } = { bytes: Infinity, unit: SECTOR },
): Promise<Array<[number, number]>> {
  const runs: Array<[number, number]> = [];
  let seen = 0;
  for (let at = 0; at < size && seen < alloc.bytes; at += BLOCK) {
    const len = Math.min(BLOCK, size - at);
    const buf = await read(at, len);
    if (isZero(buf)) continue;
    if (alloc.bytes !== Infinity) seen += nonZeroUnits(buf, alloc.unit) * alloc.unit;
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === at) last[1] += len;
    else runs.push([at, len]);
  }
  return runs;
}

const SECTOR = 512;

function nonZeroUnits(buf: Buffer, unit: number): number {
  let n = 0;
  for (let i = 0; i < buf.length; i += unit) if (!isZero(buf.subarray(i, Math.min(buf.length, i + unit)))) n++;
  return n;
}

/** The encoded length of these runs. */
export function segmentsLength(runs: ReadonlyArray<[number, number]>): number {
  return runs.reduce((n, [, len]) => n + HEADER + len, 0);
}

/** The encoded bytes of the runs, header then data, in pieces of at most one block. */
export async function* encodeSegments(runs: ReadonlyArray<[number, number]>, read: ReadAt): AsyncGenerator<Buffer> {
  for (const [offset, length] of runs) {
    const head = Buffer.alloc(HEADER);
    head.writeBigUInt64BE(BigInt(offset), 0);
    head.writeBigUInt64BE(BigInt(length), 8);
    yield head;
    for (let at = 0; at < length; at += BLOCK) yield read(offset + at, Math.min(BLOCK, length - at));
  }
}

/** The pieces stored in an encoded file, each within size; a malformed file is refused with why. */
export async function* decodeSegments(path: string, size: number): AsyncGenerator<{ offset: number; data: Buffer }> {
  const f = await open(path, 'r');
  try {
    const total = (await f.stat()).size;
    let pos = 0;
    while (pos < total) {
      const head = Buffer.alloc(HEADER);
      if ((await f.read(head, 0, HEADER, pos)).bytesRead !== HEADER) throw new Error('a segment header is cut short');
      const offset = Number(head.readBigUInt64BE(0));
      const length = Number(head.readBigUInt64BE(8));
      pos += HEADER;
      if (offset + length > size || pos + length > total) throw new Error('a segment lies past the end');
      for (let at = 0; at < length; at += BLOCK) {
        const n = Math.min(BLOCK, length - at);
        const data = Buffer.alloc(n);
        if ((await f.read(data, 0, n, pos + at)).bytesRead !== n) throw new Error('a segment is cut short');
        yield { offset: offset + at, data };
      }
      pos += length;
    }
  } finally {
    await f.close();
  }
}

const ZEROS = Buffer.alloc(BLOCK);

function isZero(buf: Buffer): boolean {
  return buf.equals(ZEROS.subarray(0, buf.length));
}
