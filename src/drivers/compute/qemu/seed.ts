/** Start-up step of NUBE_DRIVER=qemu: build the guest template when missing, probe the accelerator, list the template. */
import type { Store } from '../../../store/db.js';
import type { Config } from '../../../config.js';
import { SEED_LOCK, seedQemuTemplate } from '../../../core/catalog/seed.js';
import { chooseAccel } from './cmdline.js';
import { cpus, totalmem } from 'node:os';
import { promises as fs } from 'node:fs';
import { ensureGuestTemplate } from './template.js';

/** Size of the guest template's root disk (its qcow2 base image). */
const TEMPLATE_BYTES = 1024 ** 3;
/** Host memory kept for the host itself (Nube, QEMU overhead, page cache) and never placed. */
const HOST_RESERVE_BYTES = 1024 ** 3;

/** Builds (if needed) and registers the guest template as featured; records KVM or TCG and this machine's capacity on the hosts. */
export async function seedQemu(store: Store, config: Config): Promise<void> {
  const tpl = await ensureGuestTemplate(config.qemu.templateDir);
  const accel = await chooseAccel(config.qemu.accel);
  const machine = {
    cpus: cpus().length, cpuMhz: Math.round(cpus()[0]?.speed || 2000),
    memBytes: Math.max(totalmem() - HOST_RESERVE_BYTES, 512 * 1024 ** 2), diskBytes: await diskSize(config.dataDir),
  };
  await store.tx(async (trx) => {
    await store.lock(trx, SEED_LOCK);
    await seedQemuTemplate(trx, { dir: tpl.dir, checksum: tpl.checksum, size: TEMPLATE_BYTES }, accel, machine);
  });
}

/** Size of the filesystem holding the data dir (where volume images live). */
async function diskSize(dir: string): Promise<number> {
  const st = await fs.statfs(dir).catch(() => null);
  return st ? Number(st.blocks) * Number(st.bsize) : 1024 ** 4;
}
