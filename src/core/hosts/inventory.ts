/** The operator's inventory of hosts: their status (online, maintenance, unreachable), capacity, note and VMs, for admins only. */
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import type { HostRow } from '../../store/schema.js';
import { forbidden, invalid, notFound } from '../../lib/errors.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';

const MIB = 1024 * 1024;
/** Longest host note. */
const NOTE_MAX = 1024;

/** What a host is doing: taking VMs, kept out of placement by the operator, or not answering its driver. */
export type HostStatus = 'online' | 'maintenance' | 'unreachable';

/** A host with its zone, status and free capacity. */
export interface HostInventoryView {
  id: string;
  name: string;
  zoneId: string;
  zoneName: string;
  status: HostStatus;
  cpuCount: number;
  cpuFree: number;
  memoryMb: number;
  memoryFreeMb: number;
  diskMb: number;
  diskFreeMb: number;
  vmCount: number;
  note: string;
  created: string;
}

/** A VM placed on a host, whatever its account. */
export interface HostVmView {
  id: string;
  name: string;
  displayName: string;
  accountName: string;
  state: string;
  cpuNumber: number;
  memoryMb: number;
}

/** Hosts as an operator manages them: listing, maintenance, notes and the VMs on each. */
export class HostInventory {
  constructor(private readonly deps: CoreDeps) {}

  /** Every host (of one zone when given) with its status. */
  async list(ctx: CallContext, zoneId?: string): Promise<HostInventoryView[]> {
    requireAdmin(ctx);
    const hosts = await this.deps.catalog.listHosts(zoneId);
    const down = new Set(await this.unreachable());
    const out: HostInventoryView[] = [];
    for (const h of hosts) out.push(await this.view(h, down));
    return out;
  }

  /** One host by name or id, or NotFound. */
  async get(ctx: CallContext, idOrName: string): Promise<HostInventoryView> {
    requireAdmin(ctx);
    return this.view(await this.row(idOrName), new Set(await this.unreachable()));
  }

  /** Puts a host in maintenance (placement skips it) or back online, and sets its note; the change is one finished task of the caller. */
  async update(
    ctx: CallContext,
    idOrName: string,
    change: { maintenance?: boolean; note?: string },
  ): Promise<{ receipt: TaskReceipt; host: HostInventoryView }> {
    requireAdmin(ctx);
    const h = await this.row(idOrName);
    if (change.note !== undefined && change.note.length > NOTE_MAX)
      throw invalid(`note must be at most ${NOTE_MAX} characters`, 'note');
    const set: Partial<HostRow> = {};
    if (change.maintenance !== undefined) set.state = change.maintenance ? 'down' : 'up';
    if (change.note !== undefined) set.note = change.note;
    const receipt = await this.deps.store.tx(async (trx) => {
      if (Object.keys(set).length) await trx.updateTable('hosts').set(set).where('id', '=', h.id).execute();
      return recordSyncChange(trx, {
        objectType: 'host',
        objectId: h.id,
        ctx,
        payload: { action: 'update', ...(set.state ? { state: set.state } : {}) },
      });
    });
    return { receipt, host: await this.get(ctx, h.id) };
  }

  /** The VMs placed on a host, of every account. */
  async vms(ctx: CallContext, idOrName: string): Promise<HostVmView[]> {
    requireAdmin(ctx);
    const h = await this.row(idOrName);
    const rows = await this.deps.store.db
      .selectFrom('vms')
      .innerJoin('accounts', 'accounts.id', 'vms.account_id')
      .select([
        'vms.id',
        'vms.name',
        'vms.display_name',
        'vms.state',
        'vms.cpu_number',
        'vms.memory',
        'accounts.name as account_name',
      ])
      .where('vms.host_id', '=', h.id)
      .where('vms.removed_at', 'is', null)
      .orderBy('vms.name')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      displayName: r.display_name,
      accountName: r.account_name,
      state: r.state,
      cpuNumber: Number(r.cpu_number),
      memoryMb: Number(r.memory),
    }));
  }

  private async row(idOrName: string): Promise<HostRow> {
    const h = (await this.deps.catalog.listHosts()).find((x) => x.id === idOrName || x.name === idOrName);
    if (!h) throw notFound('host', idOrName, 'object');
    return h;
  }

  private async unreachable(): Promise<string[]> {
    return this.deps.driver ? this.deps.driver.unreachableHosts() : [];
  }

  private async view(h: HostRow, unreachable: Set<string>): Promise<HostInventoryView> {
    const zone = await this.deps.catalog.zoneOrUndefined(h.zone_id);
    const cpuUsed = Number(h.cpu_mhz) > 0 ? Math.ceil(Number(h.cpu_used_mhz) / Number(h.cpu_mhz)) : 0;
    return {
      id: h.id,
      name: h.name,
      zoneId: h.zone_id,
      zoneName: zone?.name ?? '',
      status: unreachable.has(h.id) ? 'unreachable' : h.state === 'up' ? 'online' : 'maintenance',
      cpuCount: Number(h.cpu_count),
      cpuFree: Math.max(0, Number(h.cpu_count) - cpuUsed),
      memoryMb: Math.floor(Number(h.mem_total) / MIB),
      memoryFreeMb: Math.max(0, Math.floor((Number(h.mem_total) - Number(h.mem_used)) / MIB)),
      diskMb: Math.floor(Number(h.disk_total) / MIB),
      diskFreeMb: Math.max(0, Math.floor((Number(h.disk_total) - Number(h.disk_used)) / MIB)),
      vmCount: Number(h.vm_count),
      note: h.note ?? '',
      created: h.created_at,
    };
  }
}

/** Refuses callers that are not an admin account's users. */
function requireAdmin(ctx: CallContext): void {
  if (!ctx.isAdmin) throw forbidden('Only operators may manage hosts');
}
