/** PublicIpService: elastic IPs leased from a zone's ElasticIP pool, with optional health checks; account-scoped. */
import type { Q } from '../../store/db.js';
import { isUniqueViolation } from '../../store/db.js';
import type { PublicIpRow, ZoneRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso, parseJson } from '../../lib/util.js';
import { ipv4ToInt, isIpv4 } from '../net/ip.js';
import { leaseAddress, releaseAddress } from '../networks/ipam.js';
import type { Page } from '../../lib/page.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { deleteTagsOf, idsWithTags, loadTags, type Tag, type TagMatch } from '../tags/service.js';
import { buildHealthcheck, hasHealthcheck, type Healthcheck, type HealthcheckInput } from './healthcheck.js';
import { countedPage } from '../../store/page.js';
import { reserveQuota } from '../quotas/service.js';
import { dropReverseDns } from '../reverse-dns/release.js';

/** An elastic IP as every dialect may show it. */
export interface PublicIpView {
  id: string;
  address: string;
  zoneId: string;
  zoneName: string;
  accountId: string;
  accountName: string;
  networkId: string | null;
  vmId: string | null;
  vmName: string | null;
  vmDisplayName: string | null;
  healthcheck: Healthcheck | null;
  state: string;
  created: string;
  tags: Tag[];
}

/** Filters of an IP list. */
export interface PublicIpFilter {
  id?: string;
  address?: string;
  zoneId?: string;
  vmId?: string;
  allocatedOnly?: boolean;
  isElastic?: boolean;
  keyword?: string;
  tags?: TagMatch[];
  page?: number;
  pageSize?: number;
}

/** Filters accepted by the (always empty in a basic zone) forwarding-rule lists. */
export interface ForwardingRuleFilter {
  ipAddressId?: string;
  vmId?: string;
  networkId?: string;
}

/** Object type written to tasks and the task log. */
const OBJECT = 'public ip';

/** Allocates, configures, releases and lists the caller's elastic IPs. */
export class PublicIpService {
  constructor(private readonly deps: CoreDeps) {}

  /** Leases the next free address of the zone's pool to the caller, with a health check when one is given. */
  async associate(ctx: CallContext, input: { zoneId: string; healthcheck?: HealthcheckInput }): Promise<TaskReceipt> {
    const zone = await this.deps.catalog.zone(input.zoneId);
    const hc = input.healthcheck && hasHealthcheck(input.healthcheck) ? buildHealthcheck(input.healthcheck) : null;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.deps.store.tx(async (trx) => {
          const { id, address } = await this.associateIn(trx, ctx, zone, hc);
          const result = { type: 'publicIp', id, address, zoneId: zone.id };
          return recordSyncChange(trx, {
            objectType: OBJECT,
            objectId: id,
            ctx,
            payload: { action: 'associate' },
            result,
          });
        });
      } catch (err) {
        // Two concurrent allocations may pick the same free address; the unique lease makes one retry with the next.
        if (isUniqueViolation(err) && attempt < 5) continue;
        throw err;
      }
    }
  }

  /** Leases the next free address of a zone's pool in the caller's transaction, which records the change and retries on a unique violation. */
  async associateIn(
    trx: Q,
    ctx: CallContext,
    zone: ZoneRow,
    hc: Healthcheck | null = null,
  ): Promise<{ id: string; address: string }> {
    await reserveQuota(this.deps, trx, ctx.accountId, { ips: 1 });
    const pool = await trx
      .selectFrom('networks')
      .selectAll()
      .where('zone_id', '=', zone.id)
      .where('type', '=', 'ElasticIP')
      .where('removed_at', 'is', null)
      .orderBy('created_at')
      .executeTakeFirst();
    if (!pool) throw invalid(`Zone ${zone.name} has no elastic IP pool`, 'zoneId');
    const id = newId();
    const address = await leaseAddress(trx, pool, id);
    await trx
      .insertInto('public_ips')
      .values({
        id,
        account_id: ctx.accountId,
        zone_id: zone.id,
        address,
        address_num: ipv4ToInt(address),
        vm_id: null,
        healthcheck: hc ? JSON.stringify(hc) : null,
        state: 'Allocated',
        created_at: nowIso(),
      })
      .execute();
    return { id, address };
  }

  /** Changes the health check of one of the caller's IPs (fields not given keep their value). */
  async update(ctx: CallContext, id: string, input: HealthcheckInput): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const row = await this.row(trx, ctx, id);
      if (hasHealthcheck(input)) {
        const hc = buildHealthcheck(input, parseJson<Healthcheck | null>(row.healthcheck, null));
        await trx
          .updateTable('public_ips')
          .set({ healthcheck: JSON.stringify(hc) })
          .where('id', '=', id)
          .execute();
      }
      const result = { type: 'publicIp', id, address: row.address, zoneId: row.zone_id };
      return recordSyncChange(trx, { objectType: OBJECT, objectId: id, ctx, payload: { action: 'update' }, result });
    });
  }

  /** Releases one of the caller's IPs back to the pool, with its PTR record; refused while it is attached to a VM. */
  async disassociate(ctx: CallContext, id: string): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const row = await this.row(trx, ctx, id);
      if (row.vm_id) {
        const vm = await trx
          .selectFrom('vms')
          .select(['id', 'removed_at'])
          .where('id', '=', row.vm_id)
          .executeTakeFirst();
        if (vm && !vm.removed_at)
          throw conflict(
            `IP address ${row.address} is attached to virtual machine ${vm.id}; remove it from the NIC first`,
            'in_use',
          );
      }
      const pool = await trx
        .selectFrom('networks')
        .select('id')
        .where('zone_id', '=', row.zone_id)
        .where('type', '=', 'ElasticIP')
        .execute();
      for (const p of pool) await releaseAddress(trx, p.id, row.address);
      await dropReverseDns(trx, [id]);
      await trx.deleteFrom('public_ips').where('id', '=', id).execute();
      await deleteTagsOf(trx, id);
      return recordSyncChange(trx, {
        objectType: OBJECT,
        objectId: id,
        ctx,
        payload: { action: 'disassociate', address: row.address },
      });
    });
  }

  /** One of the caller's IPs, or NotFound. */
  async get(ctx: CallContext, id: string): Promise<PublicIpView> {
    const page = await this.list(ctx, { id });
    if (page.items.length === 0) throw notFound('public IP address', id, 'object');
    return page.items[0]!;
  }

  /** One page of the caller's IPs, oldest first. Every IP is elastic, so isElastic=false lists nothing. */
  async list(ctx: CallContext, f: PublicIpFilter = {}): Promise<Page<PublicIpView>> {
    if (f.address !== undefined && !isIpv4(f.address)) throw invalid(`Invalid IP address ${f.address}`, 'ipAddress');
    if (f.isElastic === false) return { count: 0, items: [] };
    const db = this.deps.store.db;
    let q = db
      .selectFrom('public_ips as p')
      .leftJoin('vms as v', 'v.id', 'p.vm_id')
      .where('p.account_id', '=', ctx.accountId);
    if (f.id) q = q.where('p.id', '=', f.id);
    if (f.address) q = q.where('p.address', '=', f.address);
    if (f.zoneId) q = q.where('p.zone_id', '=', f.zoneId);
    if (f.vmId) q = q.where('p.vm_id', '=', f.vmId);
    if (f.keyword) q = q.where('p.address', 'like', `%${f.keyword}%`);
    if (f.tags?.length) {
      const ids = await idsWithTags(db, ctx.accountId, 'PublicIpAddress', f.tags);
      q = q.where('p.id', 'in', ids.length ? ids : ['']);
    }
    const { count, rows } = await countedPage(
      q,
      q
        .selectAll('p')
        .select(['v.name as vm_name', 'v.display_name as vm_display_name', 'v.removed_at as vm_removed_at'])
        .orderBy('p.created_at')
        .orderBy('p.address_num'),
      f,
    );
    const tags = await loadTags(
      db,
      rows.map((r) => r.id),
    );
    const pools = await db
      .selectFrom('networks')
      .select(['id', 'zone_id'])
      .where('type', '=', 'ElasticIP')
      .where('removed_at', 'is', null)
      .execute();
    const items: PublicIpView[] = [];
    for (const r of rows) {
      const zone = await this.deps.catalog.zoneOrUndefined(r.zone_id);
      const attached = r.vm_id && !r.vm_removed_at ? r.vm_id : null;
      items.push({
        id: r.id,
        address: r.address,
        zoneId: r.zone_id,
        zoneName: zone?.name ?? '',
        accountId: r.account_id,
        accountName: ctx.accountName,
        networkId: pools.find((p) => p.zone_id === r.zone_id)?.id ?? null,
        vmId: attached,
        vmName: attached ? r.vm_name : null,
        vmDisplayName: attached ? r.vm_display_name : null,
        healthcheck: parseJson<Healthcheck | null>(r.healthcheck, null),
        state: r.state,
        created: r.created_at,
        tags: tags.get(r.id) ?? [],
      });
    }
    return { count, items };
  }

  /** Port and IP forwarding rules: a basic zone has none, but the filters must name the caller's objects. */
  async listForwardingRules(ctx: CallContext, f: ForwardingRuleFilter): Promise<Page<never>> {
    const db = this.deps.store.db;
    if (f.ipAddressId) await this.row(db, ctx, f.ipAddressId);
    if (f.vmId) {
      const vm = await db
        .selectFrom('vms')
        .select('id')
        .where('id', '=', f.vmId)
        .where('account_id', '=', ctx.accountId)
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      if (!vm) throw notFound('virtual machine', f.vmId, 'vm');
    }
    if (f.networkId) {
      const n = await db
        .selectFrom('networks')
        .select('id')
        .where('id', '=', f.networkId)
        .where('removed_at', 'is', null)
        .where('type', '!=', 'ElasticIP')
        .where((eb) => eb.or([eb('account_id', '=', ctx.accountId), eb('account_id', 'is', null)]))
        .executeTakeFirst();
      if (!n) throw notFound('network', f.networkId, 'object');
    }
    return { count: 0, items: [] };
  }

  /** The caller's IP row, or NotFound (also for another account's IP). */
  async row(q: Q, ctx: CallContext, id: string): Promise<PublicIpRow> {
    const row = await q
      .selectFrom('public_ips')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', ctx.accountId)
      .executeTakeFirst();
    if (!row) throw notFound('public IP address', id, 'object');
    return row;
  }
}
