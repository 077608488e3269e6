/** The NICs of a VM definition by 1-based index: network, address (leased through the IPAM), MAC and model; changed only while the VM is defined. */
import type { Q } from '../../store/db.js';
import type { NetworkRow, NicRow, VmRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { MAX_NICS, automaticMac, checkChosenMac, isMacClash, parseMac, unusableMac } from '../vms/macs.js';
import { leaseAddress, releaseAddresses } from '../networks/ipam.js';
import { checkWanted, leases } from './checks.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { vmRow } from '../vms/rows.js';
import { requireState } from '../vms/definition.js';

/** The NIC models a definition accepts. */
const NIC_MODELS = ['virtio', 'e1000', 'rtl8139'] as const;

/** A NIC to define or the changes of one: networkId is required when adding; ipAddress null asks for any free address. */
export interface DefinedNicInput {
  networkId?: string;
  ipAddress?: string | null;
  macAddress?: string;
  model?: string;
}

/** The models of these NICs by NIC id (virtio when none was chosen). */
export async function nicModels(q: Q, vmIds: string[]): Promise<Map<string, string>> {
  if (vmIds.length === 0) return new Map();
  const rows = await q.selectFrom('nics').select(['id', 'model']).where('vm_id', 'in', vmIds).execute();
  return new Map(rows.map((r) => [r.id, r.model ?? 'virtio']));
}

async function liveNics(q: Q, vmId: string): Promise<NicRow[]> {
  return q
    .selectFrom('nics')
    .selectAll()
    .where('vm_id', '=', vmId)
    .where('removed_at', 'is', null)
    .orderBy('device_id')
    .execute();
}

/** A network the caller may plug the VM into: one of the account's or the zone's shared one, in the VM's zone. */
async function usableNetwork(q: Q, ctx: CallContext, vm: VmRow, networkId: string): Promise<NetworkRow> {
  const net = await q
    .selectFrom('networks')
    .selectAll()
    .where('id', '=', networkId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  const usable = net && (net.account_id === ctx.accountId || (net.account_id === null && net.type === 'Shared'));
  if (!net || !usable || net.type === 'ElasticIP') throw invalid(`Unable to find network ${networkId}`, 'networkId');
  if (net.zone_id !== vm.zone_id)
    throw invalid(`Network ${net.name} is not in the zone of the virtual machine`, 'networkId');
  return net;
}

/** Leases the wanted (or any free) address of the network to the NIC; null on networks that lease none. */
async function lease(q: Q, net: NetworkRow, nicId: string, wanted: string | null | undefined): Promise<string | null> {
  if (wanted && !leases(net))
    throw invalid(`Network ${net.name} is not managed: its NICs have no address to choose`, 'ipAddress');
  if (!leases(net)) return null;
  if (wanted) await checkWanted(q, net, wanted);
  return leaseAddress(q, net, nicId, wanted ?? undefined);
}

function checkModel(model: string | undefined): void {
  if (model !== undefined && !(NIC_MODELS as readonly string[]).includes(model))
    throw invalid(`model must be one of ${NIC_MODELS.join(', ')}`, 'model');
}

/** Adds, changes and removes the NICs of defined VMs. */
export class DefinedNics {
  constructor(private readonly deps: CoreDeps) {}

  /** Adds NIC `index` (the next one; NIC 1 is the default) on a network with a leased or given address. */
  async add(ctx: CallContext, vmId: string, index: number, n: DefinedNicInput): Promise<TaskReceipt> {
    if (!n.networkId) throw invalid('networkId is required', 'networkId');
    checkModel(n.model);
    const mac = n.macAddress;
    return this.deps.store
      .tx(async (trx) => {
        const vm = await vmRow(trx, ctx, vmId);
        requireState(vm, ['defined'], 'add a NIC to');
        const nics = await liveNics(trx, vm.id);
        if (Number.isInteger(index) && index >= 1 && index <= nics.length)
          throw conflict(`NIC ${index} of the virtual machine already exists`, 'exists');
        if (index !== nics.length + 1 || index > MAX_NICS)
          throw invalid(
            `NIC ${index} is out of range: the next NIC is ${nics.length + 1} (at most ${MAX_NICS})`,
            'index',
          );
        const net = await usableNetwork(trx, ctx, vm, n.networkId!);
        if (nics.some((x) => x.network_id === net.id))
          throw invalid(`The virtual machine already has a NIC in network ${net.name}`, 'networkId');
        const nicId = newId();
        const address = await lease(trx, net, nicId, n.ipAddress);
        await trx
          .insertInto('nics')
          .values({
            id: nicId,
            vm_id: vm.id,
            network_id: net.id,
            ip_address: address,
            ip6_address: null,
            mac_address: mac ? await checkChosenMac(trx, mac) : await automaticMac(trx, Number(vm.serial), index - 1),
            is_default: index === 1 ? 1 : 0,
            device_id: index - 1,
            created_at: nowIso(),
            model: n.model ?? 'virtio',
          })
          .execute();
        return this.record(trx, ctx, vm.id, 'define_nic', index);
      })
      .catch((err: unknown) => {
        throw mac && isMacClash(err) ? unusableMac(parseMac(mac)) : err;
      });
  }

  /** Changes the network, address, MAC or model of NIC `index` of a defined VM; a new network or address is leased anew. */
  async update(ctx: CallContext, vmId: string, index: number, n: DefinedNicInput): Promise<TaskReceipt> {
    checkModel(n.model);
    const mac = n.macAddress;
    return this.deps.store
      .tx(async (trx) => {
        const vm = await vmRow(trx, ctx, vmId);
        requireState(vm, ['defined'], 'change a NIC of');
        const nics = await liveNics(trx, vm.id);
        const nic = nics[index - 1];
        if (!nic) throw notFound('NIC', String(index), 'object');
        const set: Partial<NicRow> = {};
        const netChange = n.networkId !== undefined && n.networkId !== nic.network_id;
        const ipChange = n.ipAddress !== undefined && n.ipAddress !== nic.ip_address;
        if (netChange || ipChange) {
          const net = await usableNetwork(trx, ctx, vm, n.networkId ?? nic.network_id);
          if (netChange && nics.some((x) => x.network_id === net.id))
            throw invalid(`The virtual machine already has a NIC in network ${net.name}`, 'networkId');
          await releaseAddresses(trx, nic.id);
          set.network_id = net.id;
          set.ip_address = await lease(trx, net, nic.id, n.ipAddress);
        }
        if (mac !== undefined) set.mac_address = await checkChosenMac(trx, mac, nic.id);
        if (n.model !== undefined) set.model = n.model;
        if (Object.keys(set).length) await trx.updateTable('nics').set(set).where('id', '=', nic.id).execute();
        return this.record(trx, ctx, vm.id, 'update_nic', index);
      })
      .catch((err: unknown) => {
        throw mac && isMacClash(err) ? unusableMac(parseMac(mac)) : err;
      });
  }

  /** Removes NIC `index` of a defined VM and frees its address; the NICs after it move up one index. */
  async remove(ctx: CallContext, vmId: string, index: number): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const vm = await vmRow(trx, ctx, vmId);
      requireState(vm, ['defined'], 'remove a NIC of');
      const nics = await liveNics(trx, vm.id);
      const nic = nics[index - 1];
      if (!nic) throw notFound('NIC', String(index), 'object');
      await releaseAddresses(trx, nic.id);
      await trx.deleteFrom('nic_secondary_ips').where('nic_id', '=', nic.id).execute();
      await trx.deleteFrom('nics').where('id', '=', nic.id).execute();
      for (const [i, x] of nics.filter((x) => x.id !== nic.id).entries())
        await trx
          .updateTable('nics')
          .set({ device_id: i, is_default: i === 0 ? 1 : 0 })
          .where('id', '=', x.id)
          .execute();
      return this.record(trx, ctx, vm.id, 'remove_nic', index);
    });
  }

  private record(q: Q, ctx: CallContext, vmId: string, action: string, index: number): Promise<TaskReceipt> {
    return recordSyncChange(q, {
      objectType: 'virtual machine',
      objectId: vmId,
      ctx,
      payload: { action, nic: index },
      result: { type: 'vm', id: vmId },
    });
  }
}
