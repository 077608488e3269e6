/** Disk files of a QEMU VM, made with qemu-img: the root qcow2 overlay on its template image, the config disk, data volume files. */
import { constants, promises as fs } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dirname } from 'node:path';

const run = promisify(execFile);
/** The size of the config disk's header sector. */
const SECTOR = 512;

/** Creates the root overlay on the template's base image unless it exists; grows it to size bytes. */
export async function ensureOverlay(path: string, base: string, size: number): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  try {
    await fs.access(path);
  } catch {
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, path]);
  }
  await resizeQcow2(path, size);
}

/** Grows a qcow2 image to size bytes (never shrinks: shrinking loses guest data). */
export async function resizeQcow2(path: string, size: number): Promise<void> {
  const { stdout } = await run('qemu-img', ['info', '--output=json', '-U', path]);
  const current = Number((JSON.parse(stdout) as { 'virtual-size': number })['virtual-size']);
  if (size > current) await run('qemu-img', ['resize', '-q', path, String(size)]);
}

/** Makes sure a raw data volume file exists with at least size bytes (a sparse file reads as zeros, like an unwritten volume). */
export async function ensureRaw(path: string, size: number): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  const fh = await fs.open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  try {
    if ((await fh.stat()).size < size) await fh.truncate(size);
  } finally {
    await fh.close();
  }
}

/** Writes the config disk: a header sector "NUBE-CONFIG <length>\n", then the userdata bytes, padded to whole sectors. */
export async function writeConfigDisk(path: string, userdata: string | null): Promise<void> {
  const body = userdata ? decodeUserdata(userdata) : Buffer.alloc(0);
  const header = Buffer.alloc(SECTOR);
  header.write(`NUBE-CONFIG ${body.length}\n`, 'ascii');
  const padded = Buffer.alloc(Math.ceil(Math.max(body.length, 1) / SECTOR) * SECTOR);
  body.copy(padded);
  await fs.mkdir(dirname(path), { recursive: true });
  await fs.writeFile(path, Buffer.concat([header, padded]), { mode: 0o600 });
}

/** Userdata as the guest runs it: the core stores it base64-encoded (checked on input), anything else is taken as text. */
export function decodeUserdata(userdata: string): Buffer {
  const compact = userdata.replace(/\s+/g, '');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(compact) && compact.length % 4 !== 1) return Buffer.from(compact, 'base64');
  return Buffer.from(userdata, 'utf8');
}
