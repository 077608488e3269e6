/** State load: the archive is unpacked and checked whole (format, schema version, checksums, master key) before anything changes, then replaces the state in one transaction and the volume bytes after it. */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import tar from 'tar-stream';
import { markStateReplaced } from '../../store/data-versions.js';
import { resyncSequences, schemaVersion, stateTables, withoutTriggers } from '../../store/tables.js';
import { CoreError, invalid } from '../../lib/errors.js';
import type { CoreDeps } from '../deps.js';
import { clearTables, insertRows, STORE_SETTINGS, type PlainRow } from './rows.js';
import { decodeSegments, isEntryName, MANIFEST, STATE_FORMAT_VERSION, type StateManifest } from './archive.js';

/** What a load put in place. */
export interface LoadedState {
  tables: number;
  rows: number;
  volumes: number;
  files: number;
}

/** Rows inserted per batch while a table file is read. */
const BATCH = 1000;

/** Loads the archive read from input; beforeReplace runs once it is known good, just before the state is replaced. */
export async function loadState(
  deps: CoreDeps,
  input: Readable,
  beforeReplace: () => Promise<void>,
): Promise<LoadedState> {
  const tmp = await mkdtemp(join(deps.config.dataDir, '.state-load-'));
  try {
    const entries = await unpack(input, tmp);
    const manifest = await check(deps, entries, tmp);
    await beforeReplace();
    const loaded = await deps.store.tx((trx) =>
      withoutTriggers(trx, deps.store.kind, async () => {
        await clearTables(trx, manifest.tables);
        let rows = 0;
        for (const table of manifest.tables) {
          let batch: PlainRow[] = [];
          const lines = createInterface({ input: createReadStream(entryPath(tmp, `tables/${table}.jsonl`)) });
          for await (const line of lines) {
            if (line === '') continue;
            const row = JSON.parse(line) as PlainRow;
            if (table === 'settings' && STORE_SETTINGS.includes(String(row.key))) continue;
            batch.push(row);
            if (batch.length >= BATCH) {
              await insertRows(trx, table, batch);
              rows += batch.length;
              batch = [];
            }
          }
          await insertRows(trx, table, batch);
          rows += batch.length;
        }
        await resyncSequences(trx, deps.store.kind);
        await markStateReplaced(trx);
        return rows;
      }),
    );
    const { volumes, files } = await putBytes(deps, manifest, entries, tmp);
    return { tables: manifest.tables.length, rows: loaded, volumes, files };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** A refusal of the file: one line, answered as bad input (HTTP 400, CLI exit code 2). */
function refuse(why: string): CoreError {
  return invalid(`The state file was refused: ${why}`, 'state');
}

function entryPath(tmp: string, name: string): string {
  return join(tmp, encodeURIComponent(name));
}

/** Unpacks every entry into tmp and returns each one's sha256; unknown names, links and repeats are refused. */
async function unpack(input: Readable, tmp: string): Promise<Map<string, string>> {
  const got = new Map<string, string>();
  const ex = tar.extract();
  ex.on('entry', (header, stream, next) => {
    const name = header.name;
    if ((header.type ?? 'file') !== 'file' || !isEntryName(name) || got.has(name)) {
      stream.resume();
      next(refuse(`it holds an unexpected entry (${JSON.stringify(name.slice(0, 100))})`));
      return;
    }
    const hash = createHash('sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    pipeline(stream, hashing, createWriteStream(entryPath(tmp, name), { mode: 0o600 })).then(() => {
      got.set(name, hash.digest('hex'));
      next();
    }, next);
  });
  try {
    await pipeline(input, ex);
  } catch (err) {
    if (err instanceof CoreError) throw err;
    throw refuse(`it is not a readable tar archive (${(err as Error).message})`);
  }
  return got;
}

/** The manifest, once the archive is known to be complete, unchanged, of this schema and readable with this master key. */
async function check(deps: CoreDeps, entries: Map<string, string>, tmp: string): Promise<StateManifest> {
  if (!entries.has(MANIFEST)) throw refuse('it has no manifest.json (it is not a Nube state file)');
  let m: StateManifest;
  try {
    m = JSON.parse(await readFile(entryPath(tmp, MANIFEST), 'utf8')) as StateManifest;
  } catch {
    throw refuse('its manifest.json is not valid JSON');
  }
  if (m?.format !== 'nube-state' || m.format_version !== STATE_FORMAT_VERSION)
    throw refuse(`it is not a Nube state file of format ${STATE_FORMAT_VERSION}`);
  const target = await schemaVersion(deps.store.db);
  if (m.schema_version !== target)
    throw refuse(
      `it was saved at schema ${m.schema_version} and this store is at ${target}; load it with the same Nube version`,
    );
  for (const [name, sha] of entries) {
    if (name === MANIFEST) continue;
    if (m.sha256?.[name] !== sha)
      throw refuse(`the checksum of ${name} does not match its manifest (damaged or changed)`);
  }
  for (const name of Object.keys(m.sha256 ?? {}))
    if (!entries.has(name)) throw refuse(`${name} is listed in its manifest but missing`);
  const tables = await stateTables(deps.store.db, deps.store.kind);
  if (!Array.isArray(m.tables) || m.tables.length !== tables.length || m.tables.some((t) => !tables.includes(t)))
    throw refuse('its tables are not the tables of this schema');
  for (const t of m.tables) if (!entries.has(`tables/${t}.jsonl`)) throw refuse(`the table ${t} is missing`);
  const keyCheck = m.secrets?.key_check;
  if (keyCheck && !deps.secrets.matches(keyCheck))
    throw refuse(
      `its secrets are sealed under another master key; load it where ${deps.secrets.setting()} is the master key of the store that saved it`,
    );
  const hasFiles = [...entries.keys()].some((n) => n.startsWith('files/'));
  if (hasFiles && m.storage_format !== deps.storage?.format)
    throw refuse(
      `its volume files are ${m.storage_format} and this store keeps ${deps.storage?.format ?? 'no'} files (another compute driver)`,
    );
  for (const name of entries.keys())
    if (name.startsWith('files/') && !Number.isSafeInteger(m.sizes?.[name]))
      throw refuse(`its manifest gives no size for ${name}`);
  return m;
}

/** Replaces the bytes on disk: every file of the old state goes, then the volume, snapshot and backup files of the archive are put in their place. */
async function putBytes(
  deps: CoreDeps,
  m: StateManifest,
  entries: Map<string, string>,
  tmp: string,
): Promise<{ volumes: number; files: number }> {
  const storage = deps.storage;
  if (!storage) return { volumes: 0, files: 0 };
  for (const f of await storage.files()) await storage.discard(f);
  let volumes = 0;
  let files = 0;
  for (const name of entries.keys()) {
    if (!name.startsWith('files/')) continue;
    const size = m.sizes[name]!;
    const target = join(deps.config.dataDir, name.slice('files/'.length));
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const f = await open(target, 'w', 0o600);
    try {
      for await (const { offset, data } of decodeSegments(entryPath(tmp, name), size))
        await f.write(data, 0, data.length, offset);
      await f.truncate(size);
    } finally {
      await f.close();
    }
    if (name.startsWith('files/volumes/')) volumes++;
    else files++;
  }
  return { volumes, files };
}
