/** The config disk of a QEMU VM: a header sector, then the VM's userdata, which the guest runs at boot. */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';

/** The size of the config disk's header sector. */
const SECTOR = 512;

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
function decodeUserdata(userdata: string): Buffer {
  const compact = userdata.replace(/\s+/g, '');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(compact) && compact.length % 4 !== 1) return Buffer.from(compact, 'base64');
  return Buffer.from(userdata, 'utf8');
}
