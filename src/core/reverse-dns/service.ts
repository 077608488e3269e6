/**
 * ReverseDnsService: the PTR names of the caller's public addresses (the IPv4 and IPv6 addresses of a VM's default
 * NIC on the zone's guest network, or an elastic IP), and the one read the authoritative DNS server makes per query.
 * A PTR lives as long as its owner holds the address: releasing the address drops it in the same transaction
 * (release.ts).
 */
import type { Q } from '../../store/db.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { invalid, notFound } from '../../lib/errors.js';
import { nowIso } from '../../lib/util.js';
import { canonicalAddress } from '../../lib/reverse-name.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { vmRow } from '../vms/rows.js';
import { checkDomainName } from './rules.js';

/** Time to live, in seconds, of every PTR answer. */
const PTR_TTL = 3600;

/** One PTR record: the address (canonical text), its family and the name it points to (lower case, no trailing dot). */
export interface ReverseDnsEntry {
  address: string;
  family: 4 | 6;
  domainName: string;
}

/** The PTR records of a VM: those of its default NIC's public addresses, IPv4 first. */
export interface VmReverseDns {
  vmId: string;
  /** The default NIC, null when the VM has none. */
  nicId: string | null;
  entries: ReverseDnsEntry[];
}

/** The PTR record of an elastic IP (none or one entry). */
export interface IpReverseDns {
  publicIpId: string;
  address: string;
  entries: ReverseDnsEntry[];
}

/** An owner of public addresses: a NIC (for its VM) or an elastic IP. */
interface Holder {
  ownerType: 'nic' | 'public_ip';
  ownerId: string | null;
  addresses: string[];
}

const VM = 'virtual machine';
const IP = 'public ip';

/** Reads, sets and deletes the PTR names of the caller's VMs and elastic IPs; answers the DNS server's PTR lookups. */
export class ReverseDnsService {
  constructor(private readonly deps: CoreDeps) {}

  /** The PTR records of one of the caller's VMs (NotFound for another account's or a removed VM). */
  async forVm(ctx: CallContext, vmId: string): Promise<VmReverseDns> {
    const db = this.deps.store.db;
    const vm = await vmRow(db, ctx, vmId);
    const h = await vmHolder(db, vm.id);
    return { vmId: vm.id, nicId: h.ownerId, entries: await entriesOf(db, h) };
  }

  /** Points every public address of a VM's default NIC at domainName (replacing any earlier name); Invalid when it has none. */
  async setForVm(
    ctx: CallContext,
    vmId: string,
    domainName: string,
  ): Promise<{ receipt: TaskReceipt; view: VmReverseDns }> {
    const name = checkDomainName(domainName);
    return this.deps.store.tx(async (trx) => {
      const vm = await vmRow(trx, ctx, vmId);
      const h = await vmHolder(trx, vm.id);
      if (!h.addresses.length) throw invalid(`Virtual machine ${vm.id} has no public address on its default NIC`, 'id');
      await upsert(trx, ctx, h, name);
      const receipt = await recordSyncChange(trx, {
        objectType: VM,
        objectId: vm.id,
        ctx,
        payload: { action: 'update_reverse_dns', domainName: name },
        result: { type: 'vm', id: vm.id },
      });
      return { receipt, view: { vmId: vm.id, nicId: h.ownerId, entries: await entriesOf(trx, h) } };
    });
  }

  /** Deletes the PTR records of a VM's default NIC addresses (none is no error). */
  async deleteForVm(ctx: CallContext, vmId: string): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const vm = await vmRow(trx, ctx, vmId);
      const h = await vmHolder(trx, vm.id);
      await remove(trx, h);
      return recordSyncChange(trx, { objectType: VM, objectId: vm.id, ctx, payload: { action: 'delete_reverse_dns' } });
    });
  }

  /** The PTR record of one of the caller's elastic IPs (NotFound for another account's or a released IP). */
  async forIp(ctx: CallContext, id: string): Promise<IpReverseDns> {
    const db = this.deps.store.db;
    const h = await ipHolder(db, ctx, id);
    return { publicIpId: id, address: h.addresses[0]!, entries: await entriesOf(db, h) };
  }

  /** Points one of the caller's elastic IPs at domainName, replacing any earlier name. */
  async setForIp(
    ctx: CallContext,
    id: string,
    domainName: string,
  ): Promise<{ receipt: TaskReceipt; view: IpReverseDns }> {
    const name = checkDomainName(domainName);
    return this.deps.store.tx(async (trx) => {
      const h = await ipHolder(trx, ctx, id);
      await upsert(trx, ctx, h, name);
      const row = await trx.selectFrom('public_ips').select('zone_id').where('id', '=', id).executeTakeFirstOrThrow();
      const receipt = await recordSyncChange(trx, {
        objectType: IP,
        objectId: id,
        ctx,
        payload: { action: 'update_reverse_dns', domainName: name },
        result: { type: 'publicIp', id, address: h.addresses[0], zoneId: row.zone_id },
      });
      return { receipt, view: { publicIpId: id, address: h.addresses[0]!, entries: await entriesOf(trx, h) } };
    });
  }

  /** Deletes the PTR record of one of the caller's elastic IPs (none is no error). */
  async deleteForIp(ctx: CallContext, id: string): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const h = await ipHolder(trx, ctx, id);
      await remove(trx, h);
      return recordSyncChange(trx, { objectType: IP, objectId: id, ctx, payload: { action: 'delete_reverse_dns' } });
    });
  }

  /**
   * The PTR answer for an address in any textual form of IPv4 or IPv6, for the authoritative DNS server: the target
   * name in lower case WITHOUT a trailing dot, and its TTL; undefined when the text is no address or the address has
   * no PTR. One read by primary key, no caller check (PTR records are public).
   */
  async ptr(address: string): Promise<{ name: string; ttl: number } | undefined> {
    const canonical = canonicalAddress(address);
    if (!canonical) return undefined;
    const row = await this.deps.store.db
      .selectFrom('reverse_dns')
      .select('domain_name')
      .where('address', '=', canonical)
      .executeTakeFirst();
    return row ? { name: row.domain_name, ttl: PTR_TTL } : undefined;
  }
}

/** The public addresses of a VM: its live default NIC's IPv4 and IPv6 addresses when that NIC is on the zone's guest network. */
async function vmHolder(q: Q, vmId: string): Promise<Holder> {
  const nic = await q
    .selectFrom('nics')
    .innerJoin('networks', 'networks.id', 'nics.network_id')
    .select(['nics.id', 'nics.ip_address', 'nics.ip6_address', 'networks.type'])
    .where('nics.vm_id', '=', vmId)
    .where('nics.is_default', '=', 1)
    .where('nics.removed_at', 'is', null)
    .executeTakeFirst();
  if (!nic) return { ownerType: 'nic', ownerId: null, addresses: [] };
  const addresses = nic.type === 'Shared' ? [nic.ip_address, nic.ip6_address] : [];
  return { ownerType: 'nic', ownerId: nic.id, addresses: canonical(addresses) };
}

/** The caller's elastic IP as an address holder, or NotFound. */
async function ipHolder(q: Q, ctx: CallContext, id: string): Promise<Holder> {
  const ip = await q
    .selectFrom('public_ips')
    .select(['id', 'address'])
    .where('id', '=', id)
    .where('account_id', '=', ctx.accountId)
    .executeTakeFirst();
  if (!ip) throw notFound('public IP address', id, 'object');
  return { ownerType: 'public_ip', ownerId: ip.id, addresses: canonical([ip.address]) };
}

function canonical(addresses: Array<string | null>): string[] {
  return addresses.map((a) => (a ? canonicalAddress(a) : undefined)).filter((a): a is string => a !== undefined);
}

/** The PTR records the holder has on the addresses it holds now, in the holder's address order. */
async function entriesOf(q: Q, h: Holder): Promise<ReverseDnsEntry[]> {
  if (!h.ownerId || !h.addresses.length) return [];
  const rows = await q
    .selectFrom('reverse_dns')
    .select(['address', 'domain_name'])
    .where('owner_id', '=', h.ownerId)
    .where('address', 'in', h.addresses)
    .execute();
  const byAddress = new Map(rows.map((r) => [r.address, r.domain_name]));
  return h.addresses.flatMap((address) => {
    const domainName = byAddress.get(address);
    return domainName ? [{ address, family: address.includes(':') ? 6 : 4, domainName } as const] : [];
  });
}

/** Writes the holder's PTR records, taking over an address's row if a stale one was left by another owner. */
async function upsert(q: Q, ctx: CallContext, h: Holder, domainName: string): Promise<void> {
  const now = nowIso();
  for (const address of h.addresses) {
    const owner = { account_id: ctx.accountId, owner_type: h.ownerType, owner_id: h.ownerId!, domain_name: domainName };
    await q
      .insertInto('reverse_dns')
      .values({ address, ...owner, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('address').doUpdateSet({ ...owner, updated_at: now }))
      .execute();
  }
}

/** Deletes the holder's PTR records. */
async function remove(q: Q, h: Holder): Promise<void> {
  if (!h.ownerId) return;
  await q.deleteFrom('reverse_dns').where('owner_id', '=', h.ownerId).execute();
}
