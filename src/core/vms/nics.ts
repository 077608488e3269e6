/** VmNics: adds, removes and re-addresses a VM's NICs; the NIC row, its address lease and its task change in one transaction. */
import type { Q } from '../../store/db.js';
import type { NetworkRow, NicRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { ipv4ToInt } from '../net/ip.js';
import { MAX_NICS, automaticMac } from './macs.js';
import { leaseAddress, releaseAddresses } from '../networks/ipam.js';
import { enqueueTask, recordDoneTask } from '../../tasks/queue.js';
import type { VmService } from './service.js';

const BUSY = ['creating', 'starting', 'stopping', 'rebooting', 'restoring', 'destroying'];

/** Throws Conflict unless the VM is at rest (running or stopped) and no other task holds it. */
async function checkIdle(q: Q, vm: { id: string; state: string }, verb: string): Promise<void> {
  if (BUSY.includes(vm.state)) throw conflict(`The virtual machine is busy (${vm.state}); try again when the current operation has finished`, 'busy');
  if (vm.state !== 'running' && vm.state !== 'stopped') throw conflict(`Cannot ${verb} a virtual machine that is ${vm.state}`, 'wrong_state');
  const busy = await q.selectFrom('tasks').select('id').where('object_id', '=', vm.id).where('exclusive', '=', 1)
    .where('status', 'in', ['PENDING', 'STARTED']).executeTakeFirst();
  if (busy) throw conflict('The virtual machine is busy with another operation; try again when it has finished', 'busy');
}

/** Checks that a wanted address lies in the network's range and is free, with CloudStack-style Invalid errors. */
async function checkWanted(q: Q, network: NetworkRow, address: string): Promise<void> {
  const n = ipv4ToInt(address, 'ipaddress');
  if (!network.start_ip || !network.end_ip || n < ipv4ToInt(network.start_ip) || n > ipv4ToInt(network.end_ip)) {
    throw invalid(`IP address ${address} is not in the range ${network.start_ip ?? '-'}-${network.end_ip ?? '-'} of network ${network.name}`, 'ipaddress');
  }
  const taken = await q.selectFrom('ip_leases').select('owner_id').where('network_id', '=', network.id).where('address', '=', n).executeTakeFirst();
  if (taken) throw invalid(`IP address ${address} is already in use in network ${network.name}`, 'ipaddress');
}

/** Whether NICs on this network get their address from its range (the zone's shared network and managed private ones). */
const leases = (n: NetworkRow): boolean => n.type === 'Shared' || n.managed === 1;

/** NIC operations of VMs; dialects answer with the task id and show the VM once it ends. */
export class VmNics {
  constructor(private readonly deps: CoreDeps, private readonly vms: VmService) {}

  /** Plugs the VM into one of the caller's private networks (or the zone's shared one) with a leased or given address. */
  async add(ctx: CallContext, vmId: string, networkId: string, ipAddress?: string): Promise<string> {
    const taskId = await this.deps.store.tx(async (trx) => {
      const vm = await this.vms.row(trx, ctx, vmId);
      const net = await trx.selectFrom('networks').selectAll().where('id', '=', networkId).where('removed_at', 'is', null).executeTakeFirst();
      const usable = net && (net.account_id === ctx.accountId || (net.account_id === null && net.type === 'Shared'));
      if (!net || !usable || net.type === 'ElasticIP') throw invalid(`Unable to find network ${networkId}`, 'networkid');
      if (net.zone_id !== vm.zone_id) throw invalid(`Network ${net.name} is not in the zone of the virtual machine`, 'networkid');
      await checkIdle(trx, vm, 'add a NIC to');
      const nics = await trx.selectFrom('nics').select(['network_id', 'device_id']).where('vm_id', '=', vm.id).execute();
      if (nics.some((n) => n.network_id === net.id)) throw invalid(`The virtual machine already has a NIC in network ${net.name}`, 'networkid');
      const used = new Set(nics.map((n) => Number(n.device_id)));
      const device = [...Array(MAX_NICS).keys()].find((d) => !used.has(d));
      if (device === undefined) throw invalid(`A virtual machine has at most ${MAX_NICS} NICs`, 'networkid');
      if (ipAddress !== undefined && !leases(net)) {
        throw invalid(`Network ${net.name} is not managed: its NICs have no address to choose`, 'ipaddress');
      }
      if (ipAddress !== undefined) await checkWanted(trx, net, ipAddress);
      const nicId = newId();
      const address = leases(net) ? await leaseAddress(trx, net, nicId, ipAddress) : null;
      await trx.insertInto('nics').values({
        id: nicId, vm_id: vm.id, network_id: net.id, ip_address: address, ip6_address: null,
        mac_address: await automaticMac(trx, Number(vm.serial), device), is_default: 0, device_id: device, created_at: nowIso(),
      }).execute();
      return enqueueTask(this.deps.store, trx, { kind: 'vm.nic_add', objectType: 'virtual machine', objectId: vm.id, payload: { nicId }, ctx });
    });
    this.deps.tasks.wake();
    return taskId;
  }

  /** Unplugs a secondary NIC; its address lease is freed when the task ends. The default NIC stays. */
  async remove(ctx: CallContext, vmId: string, nicId: string): Promise<string> {
    const taskId = await this.deps.store.tx(async (trx) => {
      const vm = await this.vms.row(trx, ctx, vmId);
      const nic = await trx.selectFrom('nics').selectAll().where('id', '=', nicId).where('vm_id', '=', vm.id).executeTakeFirst();
      if (!nic) throw notFound('nic', nicId, 'object');
      if (nic.is_default === 1) throw invalid('The default NIC of a virtual machine cannot be removed', 'nicid');
      await checkIdle(trx, vm, 'remove a NIC from');
      return enqueueTask(this.deps.store, trx, { kind: 'vm.nic_remove', objectType: 'virtual machine', objectId: vm.id, payload: { nicId }, ctx });
    });
    this.deps.tasks.wake();
    return taskId;
  }

  /** Changes (or with no address, drops) the leased address of a NIC on a managed private network; answered as a finished task. */
  async updateIp(ctx: CallContext, nicId: string, ipAddress?: string): Promise<{ taskId: string; vmId: string }> {
    return this.deps.store.tx(async (trx) => {
      const nic = await this.nic(trx, ctx, nicId);
      const vm = await this.vms.row(trx, ctx, nic.vm_id);
      const net = await trx.selectFrom('networks').selectAll().where('id', '=', nic.network_id).executeTakeFirstOrThrow();
      if (net.type === 'Shared') throw invalid('The address of a NIC on the shared guest network is assigned by the zone and cannot be changed', 'nicid');
      if (net.managed !== 1) throw invalid(`Network ${net.name} is not managed: its NICs have no address to change`, 'nicid');
      await checkIdle(trx, vm, 'change a NIC of');
      if (ipAddress !== undefined && ipAddress !== nic.ip_address) await checkWanted(trx, net, ipAddress);
      await releaseAddresses(trx, nic.id);
      const address = ipAddress !== undefined ? await leaseAddress(trx, net, nic.id, ipAddress) : null;
      await trx.updateTable('nics').set({ ip_address: address }).where('id', '=', nic.id).execute();
      const taskId = await recordDoneTask(trx, {
        kind: 'sync', objectType: 'virtual machine', objectId: vm.id, payload: { nicId, ipAddress: address }, ctx, result: { type: 'vm', id: vm.id },
      });
      return { taskId, vmId: vm.id };
    });
  }

  /** One NIC of one of the caller's live VMs, or NotFound. */
  private async nic(q: Q, ctx: CallContext, nicId: string): Promise<NicRow> {
    const row = await q.selectFrom('nics').innerJoin('vms', 'vms.id', 'nics.vm_id').selectAll('nics')
      .where('nics.id', '=', nicId).where('vms.account_id', '=', ctx.accountId).where('vms.removed_at', 'is', null).executeTakeFirst();
    if (!row) throw notFound('nic', nicId, 'object');
    return row;
  }
}
