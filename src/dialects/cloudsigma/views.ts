/** CloudSigma records of core objects: drives (volumes) and standard drives (templates). */
import type { DetailedVolumeView } from '../../core/volumes/data-io.js';
import type { TemplateRow } from '../../core/catalog/service.js';

/** The owner shown on standard (catalog) drives. */
const SYSTEM_USER = '00000000-0000-0000-0000-000000000000';

/** Device slot of a volume as a CloudSigma device key: ide:B:U for 0-3, block:N from 4. */
export function deviceKey(deviceId: number): string {
  return deviceId < 4 ? `ide:${Math.floor(deviceId / 2)}:${deviceId % 2}` : `block:${deviceId - 4}`;
}

/** Device id of a CloudSigma device key, or undefined when the key is not one. */
export function deviceIdOf(key: string): number | undefined {
  let m = /^ide:([01]):([01])$/.exec(key);
  if (m) return Number(m[1]) * 2 + Number(m[2]);
  m = /^block:([0-7])$/.exec(key);
  return m ? 4 + Number(m[1]) : undefined;
}

/** A drive record as /drives/UUID/info shows it. */
export function driveRecord(d: DetailedVolumeView): Record<string, string | number | undefined> {
  const v = d.volume;
  return {
    drive: v.id,
    name: v.name,
    size: Number(v.size),
    status: 'active',
    user: v.account_id,
    type: d.media === 'cdrom' ? 'cdrom' : 'disk',
    'claim:type': d.claimType,
    claimed: v.vm_id !== null ? `${v.account_id}:guest:${v.vm_id}:${deviceKey(Number(v.device_id ?? 0))}` : undefined,
    readers: d.readers.length ? d.readers.join(' ') : undefined,
    'encryption:cipher': d.encryption,
    tags: d.affinity.length ? d.affinity.join(' ') : undefined,
    'read:bytes': d.readBytes,
    'read:requests': d.readRequests,
    'write:bytes': d.writeBytes,
    'write:requests': d.writeRequests,
  };
}

/** True when a catalog template is a CD image rather than a disk image. */
export function isCd(t: TemplateRow): boolean {
  return t.format.toUpperCase() === 'ISO';
}

/** A standard drive record for a catalog template. */
export function standardRecord(t: TemplateRow): Record<string, string | number> {
  return {
    drive: t.id,
    name: t.name,
    size: Number(t.size),
    status: 'active',
    user: SYSTEM_USER,
    type: isCd(t) ? 'cdrom' : 'disk',
    'claim:type': 'shared',
  };
}
