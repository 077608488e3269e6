/** Copies of raw volume files that keep holes and never leave half a copy behind: a reflink, GNU cp, or an in-process sparse copy. */
import { constants, promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dirname } from 'node:path';

/** Bytes copied per step when a clone cannot be done by the filesystem (reflink). */
const CHUNK = 1024 * 1024;
/** Granularity at which zero runs are left as holes. */
const BLOCK = 4096;
const ZERO = Buffer.alloc(BLOCK);
const run = promisify(execFile);

/** True when the path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}

/** Replaces dst with a copy of src through a temporary file and a rename, so a crash never leaves half a copy; no src removes dst. */
export async function copyOrClear(
  copy: (src: string, dst: string) => Promise<void>,
  src: string,
  dst: string,
): Promise<boolean> {
  if (!(await exists(src))) {
    await fs.rm(dst, { force: true });
    return false;
  }
  await fs.mkdir(dirname(dst), { recursive: true });
  const tmp = `${dst}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await copy(src, tmp);
    await fs.rename(tmp, dst);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  return true;
}

/** Copies a file keeping holes: a reflink when the filesystem can, else GNU cp, else chunk by chunk in-process. */
export async function copyData(src: string, dst: string, useCp: boolean): Promise<void> {
  try {
    await fs.copyFile(src, dst, constants.COPYFILE_FICLONE_FORCE);
    return;
  } catch {
    /* no reflink on this filesystem */
  }
  if (useCp) {
    try {
      await run('cp', ['--sparse=always', '--reflink=auto', '--', src, dst]);
      return;
    } catch {
      /* not GNU cp: copy in-process */
    }
  }
  await sparseCopy(src, dst);
}

/** Copies src to dst chunk by chunk, skipping all-zero chunks so holes stay holes. */
async function sparseCopy(src: string, dst: string): Promise<void> {
  const from = await fs.open(src, 'r');
  try {
    const to = await fs.open(dst, 'w', 0o600);
    try {
      const size = (await from.stat()).size;
      await to.truncate(size);
      const buf = Buffer.alloc(CHUNK);
      for (let pos = 0; pos < size; pos += CHUNK) {
        const want = Math.min(CHUNK, size - pos);
        let got = 0;
        while (got < want) {
          const { bytesRead } = await from.read(buf, got, want - got, pos + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        if (got === 0) break;
        await writeNonZero(to, buf.subarray(0, got), pos);
      }
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}

/** Writes the runs of non-zero BLOCK-sized blocks of buf at pos, leaving zero blocks unwritten. */
async function writeNonZero(to: fs.FileHandle, buf: Buffer, pos: number): Promise<void> {
  let start = -1;
  for (let at = 0; at <= buf.length; at += BLOCK) {
    const block = buf.subarray(at, Math.min(at + BLOCK, buf.length));
    const zero = block.length === 0 || block.equals(ZERO.subarray(0, block.length));
    if (!zero && start < 0) start = at;
    if ((zero || at + BLOCK >= buf.length) && start >= 0) {
      const end = zero ? at : buf.length;
      let put = start;
      while (put < end) put += (await to.write(buf, put, end - put, pos + put)).bytesWritten;
      start = -1;
    }
  }
}
