/** Start-up step of NUBE_DRIVER=qemu: build the guest template when missing, probe the accelerator, list the template. */
import type { Store } from '../../../store/db.js';
import type { Config } from '../../../config.js';
import { seedQemuTemplate } from '../../../core/catalog/seed.js';
import { chooseAccel } from './cmdline.js';
import { ensureGuestTemplate } from './template.js';

/** Size of the guest template's root disk (its qcow2 base image). */
const TEMPLATE_BYTES = 1024 ** 3;

/** Builds (if needed) and registers the guest template as featured; records KVM or TCG in the hosts' details. */
export async function seedQemu(store: Store, config: Config): Promise<void> {
  const tpl = await ensureGuestTemplate(config.qemu.templateDir);
  const accel = await chooseAccel(config.qemu.accel);
  await store.tx((trx) => seedQemuTemplate(trx, { dir: tpl.dir, checksum: tpl.checksum, size: TEMPLATE_BYTES }, accel));
}
