/**
 * NIC MAC addresses, unique among live NICs whoever chose them (the database enforces it too: index nics_live_mac).
 * Automatic MACs come from the VM serial and skip taken ones; a MAC a user chooses gets one answer whatever makes it
 * unusable, and Nube's own range is not for users, so no account learns which MACs another account's NICs use.
 */
import type { Q } from '../../store/db.js';
import { isUniqueViolation } from '../../store/db.js';
import { conflict, invalid, type CoreError } from '../../lib/errors.js';
import { NUBE_MAC_PREFIX, ip6FromMac, macFromNumber, spareMac } from '../../lib/mac.js';
import { dropReverseDnsAt } from '../reverse-dns/release.js';

/** A VM has at most this many NICs: device ids 0..15 keep every serial-made MAC (serial × 16 + device) distinct. */
export const MAX_NICS = 16;

/** The field a chosen MAC comes in (CloudSigma's key, the only dialect that lets users choose). */
const FIELD = 'macAddress';
const MAC_TEXT = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;
/** Spare MACs tried when the serial's MAC is taken (each a 2^-36 chance of being taken too). */
const SPARE_TRIES = 8;

/** True when a live NIC (other than exceptNicId) has this MAC. */
async function macTaken(q: Q, mac: string, exceptNicId?: string): Promise<boolean> {
  let s = q.selectFrom('nics').select('id').where('mac_address', '=', mac).where('removed_at', 'is', null);
  if (exceptNicId) s = s.where('id', '!=', exceptNicId);
  return (await s.executeTakeFirst()) !== undefined;
}

/** The MAC of a new NIC: the one of its VM serial and device, or a spare one when that is taken (e.g. chosen by a user earlier). */
export async function automaticMac(q: Q, serial: number, device: number): Promise<string> {
  const wanted = macFromNumber(serial * MAX_NICS + device);
  if (!(await macTaken(q, wanted))) return wanted;
  for (let i = 0; i < SPARE_TRIES; i++) {
    const mac = spareMac();
    if (!(await macTaken(q, mac))) return mac;
  }
  throw conflict('No free MAC address was found for the NIC; try again', 'busy');
}

/** The MACs of several new NICs by VM serial and device: one query finds which serial MACs are taken, spares for those. */
export async function automaticMacs(q: Q, nics: ReadonlyArray<{ serial: number; device: number }>): Promise<string[]> {
  const wanted = nics.map((n) => macFromNumber(n.serial * MAX_NICS + n.device));
  const taken = new Set(
    (
      await q
        .selectFrom('nics')
        .select('mac_address')
        .where('mac_address', 'in', wanted)
        .where('removed_at', 'is', null)
        .execute()
    ).map((r) => r.mac_address),
  );
  const out: string[] = [];
  for (const [i, mac] of wanted.entries())
    out.push(taken.has(mac) ? await automaticMac(q, nics[i]!.serial, nics[i]!.device) : mac);
  return out;
}

/** The one answer for a well-formed MAC that cannot be used, whatever the reason (multicast, all zeros, Nube's range, in use). */
export function unusableMac(mac: string): CoreError {
  return invalid(
    `The MAC address ${mac} cannot be used: choose a unicast address (even first octet), not all zeros, ` +
      `not starting with ${NUBE_MAC_PREFIX} (Nube assigns those) and not used by another NIC`,
    FIELD,
  );
}

/** True when err is the database refusing a second live NIC with one MAC (two choices of one MAC racing). */
export function isMacClash(err: unknown): boolean {
  if (!isUniqueViolation(err)) return false;
  const e = err as { constraint?: string; message?: string };
  return /nics_live_mac|nics\.mac_address/.test(`${e.constraint ?? ''} ${e.message ?? ''}`);
}

/** The normalized form of a MAC a user gives (lower case), or Invalid when it is not six hex pairs. */
export function parseMac(raw: string): string {
  const mac = raw.trim().toLowerCase();
  if (!MAC_TEXT.test(mac)) throw invalid('A MAC address is six hex pairs separated by colons', FIELD);
  return mac;
}

/** Gives the VM's first NIC a MAC its user chose (guests boot with it), with its IPv6 address re-derived when it has one (the old one's PTR goes); keeping the current MAC is a no-op. */
export async function chooseMac(q: Q, vmId: string, raw: string): Promise<void> {
  const mac = parseMac(raw);
  const nic = await q
    .selectFrom('nics')
    .innerJoin('vms', 'vms.id', 'nics.vm_id')
    .select(['nics.id', 'nics.mac_address', 'nics.ip6_address', 'vms.zone_id'])
    .where('nics.vm_id', '=', vmId)
    .where('nics.device_id', '=', 0)
    .executeTakeFirst();
  if (!nic || nic.mac_address === mac) return;
  const octets = mac.split(':');
  const unusable =
    parseInt(octets[0]!, 16) % 2 === 1 || octets.every((o) => o === '00') || octets[0] === NUBE_MAC_PREFIX;
  if (unusable || (await macTaken(q, mac, nic.id))) throw unusableMac(mac);
  await q
    .updateTable('nics')
    .set({ mac_address: mac, ...(nic.ip6_address ? { ip6_address: ip6FromMac(nic.zone_id, mac) } : {}) })
    .where('id', '=', nic.id)
    .execute();
  if (nic.ip6_address) await dropReverseDnsAt(q, [nic.ip6_address]);
}

/** True when the MAC is the one the VM's first NIC has now (setting it again changes nothing). */
export async function isCurrentMac(q: Q, vmId: string, raw: string): Promise<boolean> {
  const nic = await q
    .selectFrom('nics')
    .select('mac_address')
    .where('vm_id', '=', vmId)
    .where('device_id', '=', 0)
    .executeTakeFirst();
  return nic?.mac_address === raw.trim().toLowerCase();
}

/** A MAC a user chose for any NIC, normalized, or the one Invalid answer when it is unusable or another live NIC has it. */
export async function checkChosenMac(q: Q, raw: string, exceptNicId?: string): Promise<string> {
  const mac = parseMac(raw);
  const octets = mac.split(':');
  const unusable =
    parseInt(octets[0]!, 16) % 2 === 1 || octets.every((o) => o === '00') || octets[0] === NUBE_MAC_PREFIX;
  if (unusable || (await macTaken(q, mac, exceptNicId))) throw unusableMac(mac);
  return mac;
}
