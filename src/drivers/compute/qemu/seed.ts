/** Start-up step of NUBE_DRIVER=qemu: build the guest template when missing, probe the accelerator, measure this machine; returns what the catalog should list. */
import { chooseAccel } from './cmdline.js';
import { cpus, totalmem } from 'node:os';
import { promises as fs } from 'node:fs';
import { ensureGuestTemplate } from './template.js';
import type { DriverSeed } from '../driver.js';

/** The name of the template the qemu driver builds and boots. */
export const QEMU_GUEST_TEMPLATE = 'Nube Guest (Linux 6.1, busybox) 64-bit';
/** Size of the guest template's root disk (its qcow2 base image). */
const TEMPLATE_BYTES = 1024 ** 3;
/** Host memory kept for the host itself (Nube, QEMU overhead, page cache) and never placed. */
const HOST_RESERVE_BYTES = 1024 ** 3;

/** Where the template is built, which accelerator is wanted, and where volume images live (whose filesystem size is the hosts' disk). */
export interface QemuSeedOptions {
  templateDir: string;
  accel: 'auto' | 'kvm' | 'tcg';
  dataDir: string;
}

/** Builds (if needed) the guest template and returns it as a featured template, with KVM or TCG and this machine's capacity for the hosts. */
export async function qemuSeed(opts: QemuSeedOptions): Promise<DriverSeed> {
  const tpl = await ensureGuestTemplate(opts.templateDir);
  const accel = await chooseAccel(opts.accel);
  return {
    templates: [
      {
        name: QEMU_GUEST_TEMPLATE,
        size: TEMPLATE_BYTES,
        checksum: tpl.checksum,
        osType: 'Other (64-bit)',
        passwordEnabled: false,
        sshKeyEnabled: false,
        details: { username: 'root', qemuDir: tpl.dir },
      },
    ],
    hosts: {
      details: { hypervisor: 'QEMU', accel: accel.toUpperCase() },
      cpus: cpus().length,
      cpuMhz: Math.round(cpus()[0]?.speed || 2000),
      memBytes: Math.max(totalmem() - HOST_RESERVE_BYTES, 512 * 1024 ** 2),
      diskBytes: await diskSize(opts.dataDir),
    },
  };
}

/** Size of the filesystem holding the data dir (where volume images live). */
async function diskSize(dir: string): Promise<number> {
  const st = await fs.statfs(dir).catch(() => null);
  return st ? Number(st.blocks) * Number(st.bsize) : 1024 ** 4;
}
