/** NicService: a VM's NICs (plugged, unplugged, re-addressed), their IPv6 activation and their secondary (elastic) IPs. */
import type { Q } from '../../store/db.js';
import type { NicRow, VmRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { CoreError, conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { MAX_NICS, automaticMac } from '../vms/macs.js';
import { leaseAddress, releaseAddresses } from '../networks/ipam.js';
import { checkIdle, checkWanted, leases } from './checks.js';
import { isIpv4 } from '../net/ip.js';
import { ip6FromMac } from '../../lib/mac.js';
import { paginate, type Page } from '../../lib/page.js';
import { enqueueTask } from '../../tasks/queue.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import type { NicView } from '../vms/model.js';
import type { VmService } from '../vms/service.js';
import { DefinedNics } from './define.js';

/** A NIC with the VM it belongs to and, once activated, its IPv6 prefix length. */
export interface VmNicView extends NicView {
  vmId: string;
  ip6Cidr: string | null;
}

/** A secondary address of a NIC, as addIpToNic reports it. */
export interface SecondaryIpView {
  id: string;
  ipAddress: string;
  nicId: string;
  networkId: string;
  vmId: string;
}

/** What adding a secondary address answers: the receipt of its finished task (on the NIC) and the address added. */
export interface SecondaryIpAdded {
  receipt: TaskReceipt;
  secondary: SecondaryIpView;
}

/** Prefix length of the IPv6 networks NICs get their address from. */
const IP6_PREFIX_LENGTH = 64;

/** The one NIC service: lists, plugs, unplugs and re-addresses NICs, activates IPv6 and attaches/detaches elastic IPs. */
export class NicService {
  /** The NICs of VM definitions by 1-based index (add, update, remove; only while the VM is defined). */
  readonly defined: DefinedNics;

  constructor(
    private readonly deps: CoreDeps,
    private readonly vms: VmService,
  ) {
    this.defined = new DefinedNics(deps);
  }

  /** One page of the NICs of one of the caller's VMs, optionally only nicId or those on networkId. */
  async list(
    ctx: CallContext,
    vmId: string,
    f: { nicId?: string; networkId?: string; page?: number; pageSize?: number } = {},
  ): Promise<Page<VmNicView>> {
    const vm = await this.vms.get(ctx, vmId);
    const nics = vm.nics
      .filter((n) => (!f.nicId || n.id === f.nicId) && (!f.networkId || n.networkId === f.networkId))
      .map((n) => withVm(n, vm.id));
    return paginate(nics, { page: f.page, pageSize: f.pageSize });
  }

  /** One NIC of the caller's VMs (removed VMs too when asked, for rendering finished jobs). */
  async get(ctx: CallContext, nicId: string, opts: { includeRemoved?: boolean } = {}): Promise<VmNicView> {
    const { nic, vm } = await this.nicOf(this.deps.store.db, ctx, nicId, opts);
    const view = await this.vms.get(ctx, vm.id, opts);
    const n = view.nics.find((x) => x.id === nic.id);
    if (!n) throw notFound('NIC', nicId, 'object');
    return withVm(n, vm.id);
  }

  /** Gives a NIC its IPv6 address, derived from its zone and MAC (see ip6FromMac); activating twice keeps the address. One finished task. */
  async activateIp6(ctx: CallContext, nicId: string): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const nic = await this.liveNic(trx, ctx, nicId);
      const vm = await this.vms.row(trx, ctx, nic.vm_id);
      if (!nic.ip6_address) {
        await trx
          .updateTable('nics')
          .set({ ip6_address: ip6FromMac(vm.zone_id, nic.mac_address) })
          .where('id', '=', nic.id)
          .execute();
      }
      return recordSyncChange(trx, {
        objectType: 'nic',
        objectId: nic.id,
        ctx,
        payload: { action: 'activate_ip6' },
        result: { type: 'nic', id: nic.id, vmId: vm.id },
      });
    });
  }

  /** Attaches one of the caller's elastic IPs (same zone, not attached elsewhere) to a NIC on the zone's guest network; one finished task on the NIC. */
  async addSecondaryIp(ctx: CallContext, nicId: string, ipAddress: string | undefined): Promise<SecondaryIpAdded> {
    if (!ipAddress) throw invalid('ipaddress is required: give one of your elastic IP addresses', 'ipAddress');
    if (!isIpv4(ipAddress)) throw invalid(`Invalid IP address ${ipAddress}`, 'ipAddress');
    return this.deps.store.tx(async (trx) => {
      const nic = await this.liveNic(trx, ctx, nicId);
      const vm = await this.vms.row(trx, ctx, nic.vm_id);
      const net = await trx.selectFrom('networks').select(['type']).where('id', '=', nic.network_id).executeTakeFirst();
      if (net?.type !== 'Shared')
        throw invalid("Elastic IPs can only be added to the NIC on the zone's guest network", 'nicId');
      const ip = await trx
        .selectFrom('public_ips')
        .selectAll()
        .where('account_id', '=', ctx.accountId)
        .where('address', '=', ipAddress)
        .executeTakeFirst();
      if (!ip) throw invalid(`${ipAddress} is not one of your elastic IP addresses`, 'ipAddress');
      if (ip.zone_id !== vm.zone_id)
        throw invalid(`Elastic IP ${ipAddress} is not in the zone of virtual machine ${vm.id}`, 'ipAddress');
      if (ip.vm_id) {
        const holder = await trx
          .selectFrom('vms')
          .select(['id', 'removed_at'])
          .where('id', '=', ip.vm_id)
          .executeTakeFirst();
        if (holder && !holder.removed_at)
          throw conflict(`Elastic IP ${ipAddress} is already attached to virtual machine ${holder.id}`, 'in_use');
      }
      const secondary: SecondaryIpView = {
        id: newId(),
        ipAddress,
        nicId: nic.id,
        networkId: nic.network_id,
        vmId: vm.id,
      };
      await trx
        .insertInto('nic_secondary_ips')
        .values({ id: secondary.id, nic_id: nic.id, ip_address: ipAddress, created_at: nowIso() })
        .execute();
      await trx.updateTable('public_ips').set({ vm_id: vm.id }).where('id', '=', ip.id).execute();
      const receipt = await recordSyncChange(trx, {
        objectType: 'nic',
        objectId: nic.id,
        ctx,
        payload: { action: 'add_ip', ipAddress },
        result: { type: 'secondaryIp', ...secondary },
      });
      return { receipt, secondary };
    });
  }

  /** Detaches a secondary address (an elastic IP) from the caller's NIC; the IP stays allocated. One finished task on the NIC. */
  async removeSecondaryIp(ctx: CallContext, secondaryId: string): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const s = await trx
        .selectFrom('nic_secondary_ips as s')
        .innerJoin('nics as n', 'n.id', 's.nic_id')
        .innerJoin('vms as v', 'v.id', 'n.vm_id')
        .select(['s.id', 's.ip_address', 'n.id as nic_id', 'v.id as vm_id'])
        .where('s.id', '=', secondaryId)
        .where('v.account_id', '=', ctx.accountId)
        .where('v.removed_at', 'is', null)
        .executeTakeFirst();
      if (!s) throw notFound('secondary IP address', secondaryId, 'object');
      await trx.deleteFrom('nic_secondary_ips').where('id', '=', s.id).execute();
      await trx
        .updateTable('public_ips')
        .set({ vm_id: null })
        .where('account_id', '=', ctx.accountId)
        .where('address', '=', s.ip_address)
        .where('vm_id', '=', s.vm_id)
        .execute();
      return recordSyncChange(trx, {
        objectType: 'nic',
        objectId: s.nic_id,
        ctx,
        payload: { action: 'remove_ip', ipAddress: s.ip_address },
        result: { type: 'success' },
      });
    });
  }

  /** Plugs the VM into one of the caller's private networks (or the zone's shared one) with a leased or given address; the receipt names the VM. */
  async add(ctx: CallContext, vmId: string, networkId: string, ipAddress?: string): Promise<TaskReceipt> {
    const taskId = await this.deps.store.tx(async (trx) => {
      const vm = await this.vms.row(trx, ctx, vmId);
      const net = await trx
        .selectFrom('networks')
        .selectAll()
        .where('id', '=', networkId)
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      const usable = net && (net.account_id === ctx.accountId || (net.account_id === null && net.type === 'Shared'));
      if (!net || !usable || net.type === 'ElasticIP')
        throw invalid(`Unable to find network ${networkId}`, 'networkId');
      if (net.zone_id !== vm.zone_id)
        throw invalid(`Network ${net.name} is not in the zone of the virtual machine`, 'networkId');
      await checkIdle(trx, vm, 'add a NIC to');
      const nics = await trx
        .selectFrom('nics')
        .select(['network_id', 'device_id'])
        .where('vm_id', '=', vm.id)
        .execute();
      if (nics.some((n) => n.network_id === net.id))
        throw invalid(`The virtual machine already has a NIC in network ${net.name}`, 'networkId');
      const used = new Set(nics.map((n) => Number(n.device_id)));
      const device = [...Array(MAX_NICS).keys()].find((d) => !used.has(d));
      if (device === undefined) throw invalid(`A virtual machine has at most ${MAX_NICS} NICs`, 'networkId');
      if (ipAddress !== undefined && !leases(net)) {
        throw invalid(`Network ${net.name} is not managed: its NICs have no address to choose`, 'ipAddress');
      }
      if (ipAddress !== undefined) await checkWanted(trx, net, ipAddress);
      const nicId = newId();
      const address = leases(net) ? await leaseAddress(trx, net, nicId, ipAddress) : null;
      await trx
        .insertInto('nics')
        .values({
          id: nicId,
          vm_id: vm.id,
          network_id: net.id,
          ip_address: address,
          ip6_address: null,
          mac_address: await automaticMac(trx, Number(vm.serial), device),
          is_default: 0,
          device_id: device,
          created_at: nowIso(),
        })
        .execute();
      return enqueueTask(this.deps.store, trx, {
        kind: 'vm.nic_add',
        objectType: 'virtual machine',
        objectId: vm.id,
        payload: { nicId },
        ctx,
      });
    });
    this.deps.tasks.wake();
    return { taskId, objectId: vmId };
  }

  /** Unplugs a secondary NIC; its address lease is freed when the task ends. The default NIC stays. The receipt names the VM. */
  async remove(ctx: CallContext, vmId: string, nicId: string): Promise<TaskReceipt> {
    const taskId = await this.deps.store.tx(async (trx) => {
      const vm = await this.vms.row(trx, ctx, vmId);
      const nic = await trx
        .selectFrom('nics')
        .selectAll()
        .where('id', '=', nicId)
        .where('vm_id', '=', vm.id)
        .executeTakeFirst();
      if (!nic) throw notFound('nic', nicId, 'object');
      if (nic.is_default === 1) throw invalid('The default NIC of a virtual machine cannot be removed', 'nicId');
      await checkIdle(trx, vm, 'remove a NIC from');
      return enqueueTask(this.deps.store, trx, {
        kind: 'vm.nic_remove',
        objectType: 'virtual machine',
        objectId: vm.id,
        payload: { nicId },
        ctx,
      });
    });
    this.deps.tasks.wake();
    return { taskId, objectId: vmId };
  }

  /** Changes (or with no address, drops) the leased address of a NIC on a managed private network; one finished task on the VM. */
  async updateIp(ctx: CallContext, nicId: string, ipAddress?: string): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const nic = await this.liveNic(trx, ctx, nicId);
      const vm = await this.vms.row(trx, ctx, nic.vm_id);
      const net = await trx
        .selectFrom('networks')
        .selectAll()
        .where('id', '=', nic.network_id)
        .executeTakeFirstOrThrow();
      if (net.type === 'Shared')
        throw invalid(
          'The address of a NIC on the shared guest network is assigned by the zone and cannot be changed',
          'nicId',
        );
      if (net.managed !== 1)
        throw invalid(`Network ${net.name} is not managed: its NICs have no address to change`, 'nicId');
      await checkIdle(trx, vm, 'change a NIC of');
      if (ipAddress !== undefined && ipAddress !== nic.ip_address) await checkWanted(trx, net, ipAddress);
      await releaseAddresses(trx, nic.id);
      const address = ipAddress !== undefined ? await leaseAddress(trx, net, nic.id, ipAddress) : null;
      await trx.updateTable('nics').set({ ip_address: address }).where('id', '=', nic.id).execute();
      return recordSyncChange(trx, {
        objectType: 'virtual machine',
        objectId: vm.id,
        ctx,
        payload: { nicId, ipAddress: address },
        result: { type: 'vm', id: vm.id },
      });
    });
  }

  /** One NIC of one of the caller's live VMs, or NotFound. */
  private async liveNic(q: Q, ctx: CallContext, nicId: string): Promise<NicRow> {
    const row = await q
      .selectFrom('nics')
      .innerJoin('vms', 'vms.id', 'nics.vm_id')
      .selectAll('nics')
      .where('nics.id', '=', nicId)
      .where('vms.account_id', '=', ctx.accountId)
      .where('vms.removed_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw notFound('nic', nicId, 'object');
    return row;
  }

  /** A NIC of one of the caller's VMs with that VM, or NotFound. */
  private async nicOf(
    q: Q,
    ctx: CallContext,
    nicId: string,
    opts: { includeRemoved?: boolean } = {},
  ): Promise<{ nic: NicRow; vm: VmRow }> {
    const nic = await q.selectFrom('nics').selectAll().where('id', '=', nicId).executeTakeFirst();
    if (!nic) throw notFound('NIC', nicId, 'object');
    try {
      return { nic, vm: await this.vms.row(q, ctx, nic.vm_id, opts) };
    } catch (err) {
      if (err instanceof CoreError && err.kind === 'NotFound') throw notFound('NIC', nicId, 'object');
      throw err;
    }
  }
}

function withVm(n: NicView, vmId: string): VmNicView {
  return { ...n, vmId, ip6Cidr: n.ip6Address ? `${n.ip6Address}/${IP6_PREFIX_LENGTH}` : null };
}
