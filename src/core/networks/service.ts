/** NetworkService: the zone's shared guest network and the caller's private networks (managed when they have a range). */
import type { Q } from '../../store/db.js';
import type { NetworkRow, ZoneRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { intToIpv4, ipv4ToInt, isIpv4, netmaskToPrefix } from '../net/ip.js';
import type { Page } from '../../lib/page.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { deleteTagsOf, idsWithTags, loadTags, type Tag, type TagMatch } from '../tags/service.js';
import { countedPage } from '../../store/page.js';
import { reserveQuota } from '../quotas/service.js';
import { checkSettings, networkSettings, type NetworkSettings } from './settings.js';

export type { NetworkSettings } from './settings.js';

/** A network as every dialect may show it; private networks are "Isolated", the zone's guest network "Shared". */
export interface NetworkView {
  id: string;
  accountId: string | null;
  accountName: string | null;
  zoneId: string;
  zoneName: string;
  name: string;
  displayText: string;
  type: 'Shared' | 'Isolated';
  managed: boolean;
  cidr: string | null;
  gateway: string | null;
  netmask: string | null;
  startIp: string | null;
  endIp: string | null;
  created: string;
  tags: Tag[];
  /** VLAN, NIC tag, MTU, resolvers, DNS domain and alias (defaults for networks that never set them). */
  settings: NetworkSettings;
}

/** Filters of a network list. */
export interface NetworkFilter {
  id?: string;
  zoneId?: string;
  type?: string;
  canUseForDeploy?: boolean;
  keyword?: string;
  tags?: TagMatch[];
  page?: number;
  pageSize?: number;
}

/** An address range of a managed private network, its gateway and settings. */
export interface RangeInput {
  startIp?: string;
  endIp?: string;
  netmask?: string;
  /** A gateway inside the range is leased to the network itself, so no NIC gets it. */
  gateway?: string;
  settings?: Partial<NetworkSettings>;
}

/** The owner of the lease that keeps a network's gateway address from NICs. */
export function gatewayOwner(networkId: string): string {
  return `gateway:${networkId}`;
}

/** Most addresses a private network's range may hold. */
const MAX_RANGE = 65536;
const TEXT_MAX = 255;
const OBJECT = 'network';

/**
 * Validates a managed range: IPv4 addresses, a contiguous netmask, startip ≤ endip, both in one subnet of the netmask,
 * at most 65536 addresses, and (for subnets of 4 or more addresses) neither the network nor the broadcast address.
 */
function checkRange(startIp: string, endIp: string, netmask: string): { first: number; last: number; cidr: string } {
  for (const [field, v] of [
    ['startIp', startIp],
    ['endIp', endIp],
    ['netmask', netmask],
  ] as const) {
    if (!isIpv4(v)) throw invalid(`${field.toLowerCase()} must be an IPv4 address, not "${v}"`, field);
  }
  const prefix = netmaskToPrefix(netmask, 'netmask');
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const first = ipv4ToInt(startIp);
  const last = ipv4ToInt(endIp);
  if (first > last) throw invalid(`startip ${startIp} must not be after endip ${endIp}`, 'startIp');
  const base = (first & mask) >>> 0;
  if ((last & mask) >>> 0 !== base)
    throw invalid(`startip ${startIp} and endip ${endIp} are not in the same ${netmask} subnet`, 'endIp');
  if (last - first + 1 > MAX_RANGE)
    throw invalid(`The range holds ${last - first + 1} addresses; at most ${MAX_RANGE} are allowed`, 'endIp');
  if (prefix <= 30 && first === base)
    throw invalid(`startip ${startIp} is the network address of the subnet`, 'startIp');
  if (prefix <= 30 && last === (base | (~mask >>> 0)) >>> 0)
    throw invalid(`endip ${endIp} is the broadcast address of the subnet`, 'endIp');
  return { first, last, cidr: `${intToIpv4(base)}/${prefix}` };
}

/** Checks a text field; messages name it in lower case, as the parameter it came from. */
function checkText(field: 'name' | 'displayText', v: string | undefined, required: boolean): void {
  const word = field.toLowerCase();
  if (v === undefined) {
    if (required) throw invalid(`${word} is required`, field);
    return;
  }
  if (v.trim() === '') throw invalid(`${word} must not be empty`, field);
  if (v.length > TEXT_MAX) throw invalid(`${word} must be at most ${TEXT_MAX} characters`, field);
}

/** Creates, updates, deletes and lists networks. */
export class NetworkService {
  constructor(private readonly deps: CoreDeps) {}

  /** Creates a private network in a zone; managed (with DHCP leases) when startip, endip and netmask are all given. */
  async create(
    ctx: CallContext,
    input: { zoneId: string; name: string; displayText: string } & RangeInput,
  ): Promise<{ receipt: TaskReceipt; network: NetworkView }> {
    const zone = await this.deps.catalog.zone(input.zoneId);
    const receipt = await this.deps.store.tx(async (trx) => {
      const id = await this.createIn(trx, ctx, zone, input);
      return recordSyncChange(trx, {
        objectType: OBJECT,
        objectId: id,
        ctx,
        payload: { action: 'create' },
        result: { type: 'network', id },
      });
    });
    return { receipt, network: await this.get(ctx, receipt.objectId) };
  }

  /** Creates a private network in the caller's transaction, which records the change (e.g. a purchase); returns its id. */
  async createIn(
    trx: Q,
    ctx: CallContext,
    zone: ZoneRow,
    input: { name: string; displayText: string } & RangeInput,
  ): Promise<string> {
    checkText('name', input.name, true);
    checkText('displayText', input.displayText, true);
    const given = [input.startIp, input.endIp, input.netmask].filter((v) => v !== undefined).length;
    if (given !== 0 && given !== 3)
      throw invalid('startip, endip and netmask must be given together for a managed network', 'startIp');
    const range = given === 3 ? checkRange(input.startIp!, input.endIp!, input.netmask!) : null;
    if (input.gateway !== undefined && !isIpv4(input.gateway))
      throw invalid(`gateway must be an IPv4 address, not "${input.gateway}"`, 'gateway');
    if (input.settings) checkSettings(input.settings);
    await reserveQuota(this.deps, trx, ctx.accountId, { networks: 1 });
    const id = newId();
    await trx
      .insertInto('networks')
      .values({
        id,
        account_id: ctx.accountId,
        zone_id: zone.id,
        name: input.name,
        display_text: input.displayText,
        type: 'Isolated',
        cidr: range?.cidr ?? '',
        gateway: input.gateway ?? null,
        netmask: range ? input.netmask! : '',
        start_ip: range ? input.startIp! : null,
        end_ip: range ? input.endIp! : null,
        next_ip: range?.first ?? 0,
        managed: range ? 1 : 0,
        created_at: nowIso(),
        removed_at: null,
        ...(input.settings ? { settings: JSON.stringify(input.settings) } : {}),
      })
      .execute();
    if (range && input.gateway) {
      const g = ipv4ToInt(input.gateway);
      if (g >= range.first && g <= range.last)
        await trx
          .insertInto('ip_leases')
          .values({ network_id: id, address: g, owner_id: gatewayOwner(id) })
          .execute();
    }
    return id;
  }

  /** Renames a private network or changes its range; every leased address must stay inside the new range. */
  async update(
    ctx: CallContext,
    id: string,
    input: { name?: string; displayText?: string } & RangeInput,
  ): Promise<TaskReceipt> {
    checkText('name', input.name, false);
    checkText('displayText', input.displayText, false);
    if (input.settings) checkSettings(input.settings);
    return this.deps.store.tx(async (trx) => {
      const row = await this.ownRow(trx, ctx, id);
      const set: Partial<NetworkRow> = {};
      if (input.settings) {
        const cur = row.settings ? (JSON.parse(row.settings) as Partial<NetworkSettings>) : {};
        set.settings = JSON.stringify({ ...cur, ...input.settings });
      }
      if (input.gateway !== undefined) {
        if (!isIpv4(input.gateway)) throw invalid(`gateway must be an IPv4 address, not "${input.gateway}"`, 'gateway');
        set.gateway = input.gateway;
      }
      if (input.name !== undefined) set.name = input.name;
      if (input.displayText !== undefined) set.display_text = input.displayText;
      if (input.startIp !== undefined || input.endIp !== undefined || input.netmask !== undefined) {
        const startIp = input.startIp ?? row.start_ip ?? undefined;
        const endIp = input.endIp ?? row.end_ip ?? undefined;
        const netmask = input.netmask ?? (row.netmask || undefined);
        if (!startIp || !endIp || !netmask)
          throw invalid('startip, endip and netmask must be given together to make the network managed', 'startIp');
        const range = checkRange(startIp, endIp, netmask);
        const outside = await trx
          .selectFrom('ip_leases')
          .select('address')
          .where('network_id', '=', id)
          .where((eb) => eb.or([eb('address', '<', range.first), eb('address', '>', range.last)]))
          .orderBy('address')
          .executeTakeFirst();
        if (outside)
          throw conflict(
            `Address ${intToIpv4(Number(outside.address))} is in use and would fall outside the new range`,
            'in_use',
          );
        Object.assign(set, {
          start_ip: startIp,
          end_ip: endIp,
          netmask,
          cidr: range.cidr,
          managed: 1,
          next_ip:
            Number(row.next_ip) >= range.first && Number(row.next_ip) <= range.last ? Number(row.next_ip) : range.first,
        });
      }
      if (Object.keys(set).length) await trx.updateTable('networks').set(set).where('id', '=', id).execute();
      return recordSyncChange(trx, {
        objectType: OBJECT,
        objectId: id,
        ctx,
        payload: { action: 'update' },
        result: { type: 'network', id },
      });
    });
  }

  /** Deletes a private network; refused while a VM has a NIC on it. The shared guest network cannot be deleted. */
  async delete(ctx: CallContext, id: string): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const row = await this.ownRow(trx, ctx, id);
      const used = await trx
        .selectFrom('nics')
        .innerJoin('vms', 'vms.id', 'nics.vm_id')
        .select('vms.id')
        .where('nics.network_id', '=', id)
        .where('vms.removed_at', 'is', null)
        .executeTakeFirst();
      if (used)
        throw conflict(`Network ${row.name} is in use by virtual machine ${used.id}; remove its NIC first`, 'in_use');
      await trx.updateTable('networks').set({ removed_at: nowIso() }).where('id', '=', id).execute();
      await trx.deleteFrom('ip_leases').where('network_id', '=', id).execute();
      await deleteTagsOf(trx, id);
      return recordSyncChange(trx, { objectType: OBJECT, objectId: id, ctx, payload: { action: 'delete' } });
    });
  }

  /** A network the caller may see (a shared one or its own), or NotFound; removed ones only when asked. */
  async get(ctx: CallContext, id: string, opts: { includeRemoved?: boolean } = {}): Promise<NetworkView> {
    const row = await this.deps.store.db
      .selectFrom('networks')
      .selectAll()
      .where('id', '=', id)
      .where('type', '!=', 'ElasticIP')
      .where((eb) => eb.or([eb('account_id', '=', ctx.accountId), eb('account_id', 'is', null)]))
      .executeTakeFirst();
    if (!row || (row.removed_at && !opts.includeRemoved)) throw notFound('network', id, 'object');
    return (await this.views(ctx, [row]))[0]!;
  }

  /** One page of the zone's shared guest networks and the caller's private networks (never the elastic IP pools). */
  async list(ctx: CallContext, f: NetworkFilter = {}): Promise<Page<NetworkView>> {
    if (f.canUseForDeploy === false) return { count: 0, items: [] };
    const type = f.type?.toLowerCase();
    if (type !== undefined && type !== 'isolated' && type !== 'shared')
      throw invalid('type must be Isolated or Shared', 'type');
    const db = this.deps.store.db;
    let q = db
      .selectFrom('networks')
      .where('removed_at', 'is', null)
      .where('type', 'in', ['Shared', 'Isolated'])
      .where((eb) =>
        eb.or([
          eb('account_id', '=', ctx.accountId),
          eb.and([eb('account_id', 'is', null), eb('type', '=', 'Shared')]),
        ]),
      );
    if (type) q = q.where('type', '=', type === 'shared' ? 'Shared' : 'Isolated');
    if (f.id) q = q.where('id', '=', f.id);
    if (f.zoneId) q = q.where('zone_id', '=', f.zoneId);
    if (f.keyword) {
      const k = `%${f.keyword.toLowerCase()}%`;
      q = q.where((eb) =>
        eb.or([eb(eb.fn('lower', ['name']), 'like', k), eb(eb.fn('lower', ['display_text']), 'like', k)]),
      );
    }
    if (f.tags?.length) {
      const ids = await idsWithTags(db, ctx.accountId, 'Network', f.tags);
      q = q.where('id', 'in', ids.length ? ids : ['']);
    }
    const { count, rows } = await countedPage(q, q.selectAll().orderBy('created_at').orderBy('id'), f);
    return { count, items: await this.views(ctx, rows) };
  }

  /** The caller's private network row, or NotFound; Invalid for the shared guest network. */
  private async ownRow(q: Q, ctx: CallContext, id: string): Promise<NetworkRow> {
    const row = await q
      .selectFrom('networks')
      .selectAll()
      .where('id', '=', id)
      .where('removed_at', 'is', null)
      .where('type', '!=', 'ElasticIP')
      .executeTakeFirst();
    if (row && row.account_id === null && row.type === 'Shared')
      throw invalid(`Network ${row.name} is the zone's shared guest network and cannot be changed or deleted`, 'id');
    if (!row || row.account_id !== ctx.accountId) throw notFound('network', id, 'object');
    return row;
  }

  private async views(ctx: CallContext, rows: NetworkRow[]): Promise<NetworkView[]> {
    const tags = await loadTags(
      this.deps.store.db,
      rows.map((r) => r.id),
    );
    const out: NetworkView[] = [];
    for (const r of rows) {
      const zone = await this.deps.catalog.zoneOrUndefined(r.zone_id);
      const managed = r.managed === 1;
      out.push({
        id: r.id,
        accountId: r.account_id,
        accountName: r.account_id ? ctx.accountName : null,
        zoneId: r.zone_id,
        zoneName: zone?.name ?? '',
        name: r.name,
        displayText: r.display_text,
        type: r.type === 'Shared' ? 'Shared' : 'Isolated',
        managed,
        cidr: r.cidr || null,
        gateway: r.gateway,
        netmask: r.netmask || null,
        startIp: managed ? r.start_ip : null,
        endIp: managed ? r.end_ip : null,
        created: r.created_at,
        tags: tags.get(r.id) ?? [],
        settings: networkSettings(r),
      });
    }
    return out;
  }
}
