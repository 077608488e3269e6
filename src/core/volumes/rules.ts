/** Volume rules shared by every dialect: sizes, device slots and the data disk limit. */
import type { Q } from '../../store/db.js';
import { conflict, invalid } from '../../lib/errors.js';

/** One GiB in bytes; CloudStack sizes volumes in whole GiB. */
export const GIB = 1024 ** 3;

/** Most data disks one VM may have (CloudStack's KVM limit as Exoscale applies it). */
export const MAX_DATA_DISKS = 6;

/** Largest size of a custom disk offering, in GiB (CloudStack's custom.diskoffering.size.max). */
export const MAX_CUSTOM_GB = 1024;

/** Highest device id a data disk may take. */
const MAX_DEVICE_ID = 15;

/** Device id 3 is the CD-ROM on KVM; CloudStack never gives it to a data disk. */
const CDROM_DEVICE_ID = 3;

/** A size in whole GiB within the custom offering range, in bytes. */
export function customSizeBytes(sizeGb: number | undefined, field = 'sizeGb'): number {
  if (sizeGb === undefined) throw invalid('A size in GB is required with a custom disk offering', field);
  if (!Number.isInteger(sizeGb) || sizeGb < 1 || sizeGb > MAX_CUSTOM_GB) {
    throw invalid(`The volume size must be between 1 and ${MAX_CUSTOM_GB} GB, got ${sizeGb}`, field);
  }
  return sizeGb * GIB;
}

/** The device id a new data disk takes: the requested one if free and legal, else the lowest free one. */
export function pickDeviceId(used: number[], wanted?: number): number {
  if (wanted !== undefined) {
    if (wanted === 0) throw invalid('Device id 0 is reserved for the ROOT volume', 'deviceId');
    if (wanted === CDROM_DEVICE_ID)
      throw invalid(`Device id ${CDROM_DEVICE_ID} is reserved for the CD-ROM`, 'deviceId');
    if (!Number.isInteger(wanted) || wanted < 1 || wanted > MAX_DEVICE_ID) {
      throw invalid(`Device id must be between 1 and ${MAX_DEVICE_ID}`, 'deviceId');
    }
    if (used.includes(wanted))
      throw invalid(`Device id ${wanted} is already used by another volume of this virtual machine`, 'deviceId');
    return wanted;
  }
  for (let d = 1; d <= MAX_DEVICE_ID; d++) if (d !== CDROM_DEVICE_ID && !used.includes(d)) return d;
  throw invalid('The virtual machine has no free device slot', 'vmId');
}

/** Refuses when the object has an unfinished exclusive task: one writer per object. */
export async function assertIdle(q: Q, objectId: string, what: string): Promise<void> {
  const busy = await q
    .selectFrom('tasks')
    .select('id')
    .where('object_id', '=', objectId)
    .where('exclusive', '=', 1)
    .where('status', 'in', ['PENDING', 'STARTED'])
    .executeTakeFirst();
  if (busy) throw conflict(`The ${what} is busy with another operation; try again when it has finished`, 'busy');
}

/** A volume name: 1 to 255 printable characters. */
export function checkVolumeName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 255 || /[\u0000-\u001f]/.test(trimmed))
    throw invalid('A volume name must be 1 to 255 printable characters', 'name');
  return trimmed;
}
