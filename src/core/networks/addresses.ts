/** The addresses of a network as its IPAM holds them: leased to NICs, reserved by the owner (with a note), or the gateway. */
import type { Q } from '../../store/db.js';
import type { NetworkRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, forbidden, invalid, notFound } from '../../lib/errors.js';
import { newId } from '../../lib/util.js';
import { intToIpv4, ipv4ToInt, isIpv4 } from '../net/ip.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { gatewayOwner } from './service.js';
import { leaseAddress } from './ipam.js';

/** Who holds an address: a VM's NIC, a reservation, or the network's gateway. */
export type AddressHolder = 'nic' | 'reserved' | 'gateway';

/** One leased address of a network. */
export interface AddressView {
  ip: string;
  holder: AddressHolder;
  /** Danube's usage code given when reserving (1 server, 2 other), or null. */
  usage: number | null;
  note: string;
  vmId: string | null;
  vmName: string | null;
  nicIndex: number | null;
  mac: string | null;
}

const NOTE_MAX = 255;
const RESERVED = 'reserved:';

/** Lists, reserves, notes and frees the addresses of networks the caller may see. */
export class NetworkAddressService {
  constructor(private readonly deps: CoreDeps) {}

  /** The leased addresses of a network, in address order; on a shared network only the caller's own unless admin. */
  async list(ctx: CallContext, networkId: string): Promise<AddressView[]> {
    const db = this.deps.store.db;
    const net = await this.visibleRow(db, ctx, networkId);
    const rows = await db
      .selectFrom('ip_leases as l')
      .leftJoin('nics', (j) => j.onRef('nics.id', '=', 'l.owner_id').on('nics.removed_at', 'is', null))
      .leftJoin('vms', 'vms.id', 'nics.vm_id')
      .select([
        'l.address',
        'l.owner_id',
        'l.note',
        'l.usage_code',
        'nics.mac_address',
        'nics.device_id',
        'vms.id as vm_id',
        'vms.name as vm_name',
        'vms.account_id as vm_account',
      ])
      .where('l.network_id', '=', net.id)
      .orderBy('l.address')
      .execute();
    const out: AddressView[] = [];
    for (const r of rows) {
      const holder: AddressHolder = r.owner_id.startsWith(RESERVED)
        ? 'reserved'
        : r.owner_id === gatewayOwner(net.id)
          ? 'gateway'
          : 'nic';
      const own = net.account_id === ctx.accountId || r.vm_account === ctx.accountId;
      if (!own && !ctx.isAdmin) continue;
      out.push({
        ip: intToIpv4(Number(r.address)),
        holder,
        usage: r.usage_code === null || r.usage_code === undefined ? null : Number(r.usage_code),
        note: r.note ?? '',
        vmId: r.vm_id ?? null,
        vmName: r.vm_name ?? null,
        nicIndex: r.device_id === null || r.device_id === undefined ? null : Number(r.device_id) + 1,
        mac: r.mac_address ?? null,
      });
    }
    return out;
  }

  /** Reserves a free address of the caller's network (an admin's in shared ones too) so no NIC is given it. */
  async reserve(
    ctx: CallContext,
    networkId: string,
    ip: string,
    opts: { note?: string; usage?: number } = {},
  ): Promise<TaskReceipt> {
    checkIp(ip);
    checkNote(opts.note);
    return this.deps.store.tx(async (trx) => {
      const net = await this.writableRow(trx, ctx, networkId);
      const taken = await trx
        .selectFrom('ip_leases')
        .select('owner_id')
        .where('network_id', '=', net.id)
        .where('address', '=', ipv4ToInt(ip))
        .executeTakeFirst();
      if (taken) throw conflict('IP address already exists', 'exists');
      await leaseAddress(trx, net, `${RESERVED}${newId()}`, ip);
      await trx
        .updateTable('ip_leases')
        .set({ note: opts.note ?? null, usage_code: opts.usage ?? null })
        .where('network_id', '=', net.id)
        .where('address', '=', ipv4ToInt(ip))
        .execute();
      return this.record(trx, ctx, net.id, 'reserve_ip', ip);
    });
  }

  /** Changes the note (and usage code) of a leased address. */
  async update(
    ctx: CallContext,
    networkId: string,
    ip: string,
    opts: { note?: string; usage?: number },
  ): Promise<TaskReceipt> {
    checkIp(ip);
    checkNote(opts.note);
    return this.deps.store.tx(async (trx) => {
      const net = await this.writableRow(trx, ctx, networkId);
      await this.leaseOwner(trx, net, ip);
      const set: { note?: string; usage_code?: number } = {};
      if (opts.note !== undefined) set.note = opts.note;
      if (opts.usage !== undefined) set.usage_code = opts.usage;
      if (Object.keys(set).length)
        await trx
          .updateTable('ip_leases')
          .set(set)
          .where('network_id', '=', net.id)
          .where('address', '=', ipv4ToInt(ip))
          .execute();
      return this.record(trx, ctx, net.id, 'update_ip', ip);
    });
  }

  /** Frees a reserved address; an address a VM's NIC holds is refused (remove the NIC), the gateway too. */
  async free(ctx: CallContext, networkId: string, ip: string): Promise<TaskReceipt> {
    checkIp(ip);
    return this.deps.store.tx(async (trx) => {
      const net = await this.writableRow(trx, ctx, networkId);
      const owner = await this.leaseOwner(trx, net, ip);
      if (!owner.startsWith(RESERVED))
        throw conflict(
          owner === gatewayOwner(net.id) ? 'IP address is the gateway' : 'IP address is used by a VM',
          'in_use',
        );
      await trx.deleteFrom('ip_leases').where('network_id', '=', net.id).where('address', '=', ipv4ToInt(ip)).execute();
      return this.record(trx, ctx, net.id, 'free_ip', ip);
    });
  }

  private record(q: Q, ctx: CallContext, networkId: string, action: string, ip: string): Promise<TaskReceipt> {
    return recordSyncChange(q, { objectType: 'network', objectId: networkId, ctx, payload: { action, ip } });
  }

  private async leaseOwner(q: Q, net: NetworkRow, ip: string): Promise<string> {
    const row = await q
      .selectFrom('ip_leases')
      .select('owner_id')
      .where('network_id', '=', net.id)
      .where('address', '=', ipv4ToInt(ip))
      .executeTakeFirst();
    if (!row) throw notFound('IP address', undefined, 'object');
    return row.owner_id;
  }

  private async visibleRow(q: Q, ctx: CallContext, id: string): Promise<NetworkRow> {
    const row = await q
      .selectFrom('networks')
      .selectAll()
      .where('id', '=', id)
      .where('removed_at', 'is', null)
      .where('type', 'in', ['Shared', 'Isolated'])
      .executeTakeFirst();
    if (!row || (row.account_id !== null && row.account_id !== ctx.accountId)) throw notFound('network', id, 'object');
    return row;
  }

  private async writableRow(q: Q, ctx: CallContext, id: string): Promise<NetworkRow> {
    const row = await this.visibleRow(q, ctx, id);
    if (row.account_id === null && !ctx.isAdmin)
      throw forbidden(`Network ${row.name} is shared; only operators may change its addresses`);
    return row;
  }
}

function checkIp(ip: string): void {
  if (!isIpv4(ip)) throw invalid(`${ip.slice(0, 64)} is not an IPv4 address`, 'ip');
}

function checkNote(note: string | undefined): void {
  if (note !== undefined && note.length > NOTE_MAX)
    throw invalid(`note must be at most ${NOTE_MAX} characters`, 'note');
}
