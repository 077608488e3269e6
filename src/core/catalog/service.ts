/** Catalog reads: zones, hosts, service and disk offerings, OS types and templates, cached because they rarely change. */
import type { Store } from '../../store/db.js';
import type { DiskOfferingRow, HostRow, OsTypeRow, ServiceOfferingRow, TemplateRow, ZoneRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import { notFound } from '../../lib/errors.js';

/** The catalog rows this service returns, for dialects to render (they never import the store). */
export type { TemplateRow, ZoneRow };

/** One page of results with the total count across pages. */
export interface Page<T> { count: number; items: T[] }

/** Paging and keyword inputs shared by list calls. */
export interface ListOpts { page?: number; pageSize?: number; keyword?: string; id?: string; name?: string }

/** Applies page/pageSize (1-based) to an array. */
export function paginate<T>(all: T[], opts: { page?: number; pageSize?: number }): Page<T> {
  if (!opts.pageSize || opts.pageSize <= 0) return { count: all.length, items: all };
  const page = Math.max(1, opts.page ?? 1);
  return { count: all.length, items: all.slice((page - 1) * opts.pageSize, page * opts.pageSize) };
}

/** Case-insensitive keyword match over some text fields. */
export function matchesKeyword(keyword: string | undefined, ...fields: Array<string | null | undefined>): boolean {
  if (!keyword) return true;
  const k = keyword.toLowerCase();
  return fields.some((f) => f?.toLowerCase().includes(k));
}

/** Read access to the catalog with an in-process cache of the small, hot tables. */
export class CatalogService {
  private zones: ZoneRow[] | null = null;
  private offerings: ServiceOfferingRow[] | null = null;
  private templates = new Map<string, TemplateRow>();
  private osTypes: OsTypeRow[] | null = null;

  constructor(private readonly store: Store) {}

  /** Forgets cached rows after a catalog change. */
  invalidate(): void { this.zones = null; this.offerings = null; this.templates.clear(); this.osTypes = null; }

  /** All zones, ordered by name. */
  async listZones(): Promise<ZoneRow[]> {
    this.zones ??= await this.store.db.selectFrom('zones').selectAll().orderBy('name').execute();
    return this.zones;
  }

  /** A zone by id, or NotFound. */
  async zone(id: string): Promise<ZoneRow> {
    const z = (await this.listZones()).find((x) => x.id === id);
    if (!z) throw notFound('zone', id, 'object');
    return z;
  }

  /** A zone by id or undefined, for rendering. */
  async zoneOrUndefined(id: string): Promise<ZoneRow | undefined> {
    return (await this.listZones()).find((x) => x.id === id);
  }

  /** All service offerings in catalog order (smallest first). */
  async listServiceOfferings(): Promise<ServiceOfferingRow[]> {
    this.offerings ??= await this.store.db.selectFrom('service_offerings').selectAll().orderBy('memory').orderBy('cpu_number').execute();
    return this.offerings;
  }

  /** A service offering by id, or NotFound. */
  async serviceOffering(id: string): Promise<ServiceOfferingRow> {
    const o = (await this.listServiceOfferings()).find((x) => x.id === id);
    if (!o) throw notFound('service offering', id, 'object');
    return o;
  }

  /** All disk offerings. */
  async listDiskOfferings(): Promise<DiskOfferingRow[]> {
    return this.store.db.selectFrom('disk_offerings').selectAll().orderBy('disk_size').execute();
  }

  /** A disk offering by id, or NotFound. */
  async diskOffering(id: string): Promise<DiskOfferingRow> {
    const o = await this.store.db.selectFrom('disk_offerings').selectAll().where('id', '=', id).executeTakeFirst();
    if (!o) throw notFound('disk offering', id, 'object');
    return o;
  }

  /** All OS types. */
  async listOsTypes(): Promise<OsTypeRow[]> {
    this.osTypes ??= await this.store.db.selectFrom('os_types').selectAll().orderBy('description').execute();
    return this.osTypes;
  }

  /** An OS type by id, or undefined. */
  async osType(id: string): Promise<OsTypeRow | undefined> {
    return (await this.listOsTypes()).find((o) => o.id === id);
  }

  /** A template visible to the caller (public, or the caller's own), or NotFound. */
  async template(ctx: CallContext, id: string, opts: { includeRemoved?: boolean } = {}): Promise<TemplateRow> {
    let t = this.templates.get(id);
    if (!t) {
      t = await this.store.db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst();
      if (t && t.public === 1) this.templates.set(id, t);
    }
    if (!t || (t.public !== 1 && t.account_id !== ctx.accountId) || (t.removed_at && !opts.includeRemoved)) {
      throw notFound('template', id, 'object');
    }
    return t;
  }

  /** A template row for rendering names, whatever its owner or state. */
  async templateForDisplay(id: string): Promise<TemplateRow | undefined> {
    let t = this.templates.get(id);
    if (!t) {
      t = await this.store.db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst();
      if (t && t.public === 1) this.templates.set(id, t);
    }
    return t;
  }

  /** Templates of a CloudStack-style filter visible to the caller: featured, self, community, or all executable. */
  async visibleTemplates(ctx: CallContext, filter: 'featured' | 'self' | 'community' | 'executable'): Promise<TemplateRow[]> {
    let q = this.store.db.selectFrom('templates').selectAll().where('removed_at', 'is', null);
    if (filter === 'featured') q = q.where('featured', '=', 1).where('public', '=', 1);
    else if (filter === 'self') q = q.where('account_id', '=', ctx.accountId);
    else if (filter === 'community') q = q.where('public', '=', 1).where('featured', '=', 0);
    else q = q.where((eb) => eb.or([eb('public', '=', 1), eb('account_id', '=', ctx.accountId)]));
    return q.orderBy('created_at').orderBy('name').execute();
  }

  /** Hosts of a zone (or all), for operators and placement. */
  async listHosts(zoneId?: string): Promise<HostRow[]> {
    let q = this.store.db.selectFrom('hosts').selectAll().orderBy('name');
    if (zoneId) q = q.where('zone_id', '=', zoneId);
    return q.execute();
  }
}
