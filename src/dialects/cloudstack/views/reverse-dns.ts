/** PTR records as CloudStack's (Exoscale's) `reversedns` items, inside the `virtualmachine` and `ipaddress` answers of the reverse DNS commands. */
import type { IpReverseDns, ReverseDnsEntry, VmReverseDns } from '../../../core/reverse-dns/service.js';

/** One `reversedns` item: `ipaddress` or `ip6address` by family, then the `domainname` and the holder's ids. */
function csEntry(e: ReverseDnsEntry, owner: Record<string, string>): Record<string, unknown> {
  return { [e.family === 6 ? 'ip6address' : 'ipaddress']: e.address, domainname: e.domainName, ...owner };
}

/** The `virtualmachine` object: its id and its default NIC with that NIC's PTR records (no NIC when it has none). */
export function csVmReverseDns(v: VmReverseDns): Record<string, unknown> {
  const owner = { nicid: v.nicId ?? '', virtualmachineid: v.vmId };
  const nic = v.nicId ? [{ id: v.nicId, isdefault: true, reversedns: v.entries.map((e) => csEntry(e, owner)) }] : [];
  return { id: v.vmId, nic };
}

/** The `ipaddress` object: its id and its PTR record (an empty list when it has none). */
export function csIpReverseDns(v: IpReverseDns): Record<string, unknown> {
  return { id: v.publicIpId, reversedns: v.entries.map((e) => csEntry(e, { publicipid: v.publicIpId })) };
}
