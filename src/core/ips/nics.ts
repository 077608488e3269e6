/** NicService: a VM's NICs, their IPv6 activation and the elastic IPs attached to them as secondary addresses. */
import type { Q } from '../../store/db.js';
import type { NicRow, VmRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { CoreError, conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { isIpv4 } from '../net/ip.js';
import { ip6FromMac } from '../../lib/mac.js';
import { paginate, type Page } from '../../lib/page.js';
import { recordDoneTask } from '../../tasks/queue.js';
import type { NicView } from '../vms/model.js';
import type { VmService } from '../vms/service.js';

/** A NIC with the VM it belongs to and, once activated, its IPv6 prefix length. */
export interface VmNicView extends NicView { vmId: string; ip6Cidr: string | null }

/** A secondary address of a NIC, as addIpToNic reports it. */
export interface SecondaryIpView { id: string; ipAddress: string; nicId: string; networkId: string; vmId: string }

/** Prefix length of the IPv6 networks NICs get their address from. */
export const IP6_PREFIX_LENGTH = 64;

/** Lists NICs, activates IPv6 on them and attaches/detaches elastic IPs. */
export class NicService {
  constructor(private readonly deps: CoreDeps, private readonly vms: VmService) {}

  /** One page of the NICs of one of the caller's VMs, optionally only nicId or those on networkId. */
  async list(ctx: CallContext, vmId: string, f: { nicId?: string; networkId?: string; page?: number; pageSize?: number } = {}): Promise<Page<VmNicView>> {
    const vm = await this.vms.get(ctx, vmId);
    const nics = vm.nics.filter((n) => (!f.nicId || n.id === f.nicId) && (!f.networkId || n.networkId === f.networkId)).map((n) => withVm(n, vm.id));
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

  /** Gives a NIC its IPv6 address, derived from its zone and MAC (see ip6FromMac); activating twice keeps the address. Returns the task id. */
  async activateIp6(ctx: CallContext, nicId: string): Promise<string> {
    return this.deps.store.tx(async (trx) => {
      const { nic, vm } = await this.nicOf(trx, ctx, nicId);
      if (!nic.ip6_address) {
        await trx.updateTable('nics').set({ ip6_address: ip6FromMac(vm.zone_id, nic.mac_address) }).where('id', '=', nic.id).execute();
      }
      return recordDoneTask(trx, { kind: 'sync', objectType: 'nic', objectId: nic.id, ctx, payload: { action: 'activate_ip6' }, result: { type: 'nic', id: nic.id, vmId: vm.id } });
    });
  }

  /** Attaches one of the caller's elastic IPs (same zone, not attached elsewhere) to a NIC on the zone's guest network. */
  async addIp(ctx: CallContext, nicId: string, ipAddress: string | undefined): Promise<{ taskId: string; secondary: SecondaryIpView }> {
    if (!ipAddress) throw invalid('ipaddress is required: give one of your elastic IP addresses', 'ipaddress');
    if (!isIpv4(ipAddress)) throw invalid(`Invalid IP address ${ipAddress}`, 'ipaddress');
    return this.deps.store.tx(async (trx) => {
      const { nic, vm } = await this.nicOf(trx, ctx, nicId);
      const net = await trx.selectFrom('networks').select(['type']).where('id', '=', nic.network_id).executeTakeFirst();
      if (net?.type !== 'Shared') throw invalid('Elastic IPs can only be added to the NIC on the zone\'s guest network', 'nicid');
      const ip = await trx.selectFrom('public_ips').selectAll().where('account_id', '=', ctx.accountId).where('address', '=', ipAddress).executeTakeFirst();
      if (!ip) throw invalid(`${ipAddress} is not one of your elastic IP addresses`, 'ipaddress');
      if (ip.zone_id !== vm.zone_id) throw invalid(`Elastic IP ${ipAddress} is not in the zone of virtual machine ${vm.id}`, 'ipaddress');
      if (ip.vm_id) {
        const holder = await trx.selectFrom('vms').select(['id', 'removed_at']).where('id', '=', ip.vm_id).executeTakeFirst();
        if (holder && !holder.removed_at) throw conflict(`Elastic IP ${ipAddress} is already attached to virtual machine ${holder.id}`, 'in_use');
      }
      const secondary: SecondaryIpView = { id: newId(), ipAddress, nicId: nic.id, networkId: nic.network_id, vmId: vm.id };
      await trx.insertInto('nic_secondary_ips').values({ id: secondary.id, nic_id: nic.id, ip_address: ipAddress, created_at: nowIso() }).execute();
      await trx.updateTable('public_ips').set({ vm_id: vm.id }).where('id', '=', ip.id).execute();
      const taskId = await recordDoneTask(trx, {
        kind: 'sync', objectType: 'nic', objectId: nic.id, ctx, payload: { action: 'add_ip', ipAddress },
        result: { type: 'nicsecondaryip', ...secondary },
      });
      return { taskId, secondary };
    });
  }

  /** Detaches a secondary address (an elastic IP) from the caller's NIC; the IP stays allocated. Returns the task id. */
  async removeIp(ctx: CallContext, secondaryId: string): Promise<string> {
    return this.deps.store.tx(async (trx) => {
      const s = await trx.selectFrom('nic_secondary_ips as s').innerJoin('nics as n', 'n.id', 's.nic_id').innerJoin('vms as v', 'v.id', 'n.vm_id')
        .select(['s.id', 's.ip_address', 'n.id as nic_id', 'v.id as vm_id']).where('s.id', '=', secondaryId)
        .where('v.account_id', '=', ctx.accountId).where('v.removed_at', 'is', null).executeTakeFirst();
      if (!s) throw notFound('secondary IP address', secondaryId, 'object');
      await trx.deleteFrom('nic_secondary_ips').where('id', '=', s.id).execute();
      await trx.updateTable('public_ips').set({ vm_id: null }).where('account_id', '=', ctx.accountId)
        .where('address', '=', s.ip_address).where('vm_id', '=', s.vm_id).execute();
      return recordDoneTask(trx, { kind: 'sync', objectType: 'nic', objectId: s.nic_id, ctx, payload: { action: 'remove_ip', ipAddress: s.ip_address }, result: { type: 'success' } });
    });
  }

  /** A NIC of one of the caller's VMs with that VM, or NotFound. */
  private async nicOf(q: Q, ctx: CallContext, nicId: string, opts: { includeRemoved?: boolean } = {}): Promise<{ nic: NicRow; vm: VmRow }> {
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
