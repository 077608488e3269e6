/** The guest template: built by scripts/build-template.sh when missing, and verified against its recorded sha256 sums. */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { packagePath } from '../../../lib/package-root.js';

const run = promisify(execFile);

/** A built template: its files and the checksum recorded in the catalog (sha256 of its SHA256SUMS manifest). */
export interface GuestTemplate {
  dir: string;
  kernel: string;
  initrd: string;
  disk: string;
  checksum: string;
}

/** The template files in dir, without checking them. */
export function templateFiles(dir: string): Omit<GuestTemplate, 'checksum'> {
  return { dir, kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), disk: join(dir, 'disk.qcow2') };
}

/** Builds the template in dir unless its manifest is there; returns it with its checksum. */
export async function ensureGuestTemplate(dir: string): Promise<GuestTemplate> {
  const manifest = join(dir, 'SHA256SUMS');
  const present = await fs.access(manifest).then(
    () => true,
    () => false,
  );
  if (!present) {
    try {
      await run('bash', [packagePath('scripts', 'build-template.sh'), dir], { timeout: 300000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`Building the guest template failed: ${(e.stderr || e.message).trim()}`);
    }
  }
  return { ...templateFiles(dir), checksum: `sha256:${sha256(await fs.readFile(manifest))}` };
}

const verified = new Map<string, string>();

/** Recomputes the sums of the boot files and checks them against the manifest and the catalog's checksum; throws on mismatch. */
export async function verifyTemplate(dir: string, expected: string | null): Promise<void> {
  const files = templateFiles(dir);
  const stamp = (
    await Promise.all([files.kernel, files.initrd].map((f) => fs.stat(f).then((s) => `${s.mtimeMs}:${s.size}`)))
  ).join('|');
  const key = `${dir}|${expected}`;
  if (verified.get(key) === stamp) return;
  const manifest = await fs.readFile(join(dir, 'SHA256SUMS'), 'utf8');
  if (expected && `sha256:${sha256(Buffer.from(manifest))}` !== expected) {
    throw new Error(`Template in ${dir} does not match its registered checksum`);
  }
  for (const line of manifest.trim().split('\n')) {
    const [sum, name] = line.trim().split(/\s+/);
    if (!sum || !name) continue;
    if ((await sha256File(join(dir, name))) !== sum)
      throw new Error(`Template file ${name} in ${dir} fails its sha256 check`);
  }
  verified.set(key, stamp);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('error', reject)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')));
  });
}
