/** Catalog reads: zones, hosts, service and disk offerings, OS types and templates, cached because they rarely change. */
import type { Store } from '../../store/db.js';
import { stateReplacements } from '../../store/data-versions.js';
import type {
  DiskOfferingRow,
  HostRow,
  OsTypeRow,
  ServiceOfferingRow,
  TemplateRow,
  ZoneRow,
} from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import { notFound } from '../../lib/errors.js';
import { matchesKeyword, paginate, type Page, type Paging } from '../../lib/page.js';

/** The catalog rows this service returns, for dialects to render (they never import the store). */
export type { TemplateRow, ZoneRow };

/** Filters of the zone list; keyword matches name and description. */
export interface ZoneFilter {
  id?: string;
  name?: string;
  networkType?: string;
  keyword?: string;
}

/** Filters of the offering lists; keyword matches name and display text; excludeId leaves one offering out (a VM's current size). */
export interface OfferingFilter {
  id?: string;
  name?: string;
  keyword?: string;
  excludeId?: string;
}

/** Filters of the OS type list; keyword matches the description. */
export interface OsTypeFilter {
  id?: string;
  description?: string;
  categoryId?: string;
  keyword?: string;
}

/** Which templates a template list shows (the visibility rule) and the filters on them; keyword matches name and display text. */
export interface TemplateFilter {
  visibility: 'featured' | 'self' | 'community' | 'executable';
  id?: string;
  name?: string;
  keyword?: string;
  zoneId?: string;
}

/** A template in one zone it is available in: template lists have one entry per pair. */
export interface TemplateInZone {
  template: TemplateRow;
  zone: ZoneRow;
}

/** How long cached catalog rows are trusted before the store's replacement count is read again. */
const REVALIDATE_MS = 250;

/** Read access to the catalog with an in-process cache of the small, hot tables. */
export class CatalogService {
  private zones: ZoneRow[] | null = null;
  private offerings: ServiceOfferingRow[] | null = null;
  private templates = new Map<string, TemplateRow>();
  private osTypes: OsTypeRow[] | null = null;
  /** The store's count of wholesale replacements (reset, state load) the cached rows were read under, and when it was last read. */
  private replacements = 0;
  private checkedAt = 0;

  constructor(private readonly store: Store) {}

  /**
   * Drops the cached rows when the state was replaced since they were read, by this process or another (checked every
   * 250 ms at most). The check starts in the background once half of that has passed, so under steady traffic no read
   * waits for it.
   */
  private async revalidate(): Promise<void> {
    const age = Date.now() - this.checkedAt;
    if (age < REVALIDATE_MS) {
      if (age >= REVALIDATE_MS / 2) void this.check();
      return;
    }
    await this.check();
  }

  /** Reads the replacement count once (callers meanwhile go on with the cached rows); never throws. */
  private async check(): Promise<void> {
    this.checkedAt = Date.now();
    let seen: number;
    try {
      seen = await stateReplacements(this.store.db);
    } catch {
      return; // inside a SQLite transaction the store cannot be read apart from it: checked on a later call
    }
    if (seen !== this.replacements) {
      this.replacements = seen;
      this.invalidate();
    }
  }

  /** Forgets cached rows after a catalog change. */
  invalidate(): void {
    this.zones = null;
    this.offerings = null;
    this.templates.clear();
    this.osTypes = null;
  }

  /** All zones, ordered by name. */
  async listZones(): Promise<ZoneRow[]> {
    await this.revalidate();
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
    await this.revalidate();
    this.offerings ??= await this.store.db
      .selectFrom('service_offerings')
      .selectAll()
      .orderBy('memory')
      .orderBy('cpu_number')
      .execute();
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
    await this.revalidate();
    this.osTypes ??= await this.store.db.selectFrom('os_types').selectAll().orderBy('description').execute();
    return this.osTypes;
  }

  /** An OS type by id, or undefined. */
  async osType(id: string): Promise<OsTypeRow | undefined> {
    return (await this.listOsTypes()).find((o) => o.id === id);
  }

  /** A template visible to the caller (public, or the caller's own), or NotFound. */
  async template(ctx: CallContext, id: string, opts: { includeRemoved?: boolean } = {}): Promise<TemplateRow> {
    await this.revalidate();
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
    await this.revalidate();
    let t = this.templates.get(id);
    if (!t) {
      t = await this.store.db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst();
      if (t && t.public === 1) this.templates.set(id, t);
    }
    return t;
  }

  /** Templates of a CloudStack-style filter visible to the caller: featured, self, community, or all executable. */
  async visibleTemplates(
    ctx: CallContext,
    filter: 'featured' | 'self' | 'community' | 'executable',
  ): Promise<TemplateRow[]> {
    let q = this.store.db.selectFrom('templates').selectAll().where('removed_at', 'is', null);
    if (filter === 'featured') q = q.where('featured', '=', 1).where('public', '=', 1);
    else if (filter === 'self') q = q.where('account_id', '=', ctx.accountId);
    else if (filter === 'community') q = q.where('public', '=', 1).where('featured', '=', 0);
    else q = q.where((eb) => eb.or([eb('public', '=', 1), eb('account_id', '=', ctx.accountId)]));
    return q.orderBy('created_at').orderBy('name').execute();
  }

  /** One page of the zones matching f. */
  async findZones(f: ZoneFilter, paging: Paging): Promise<Page<ZoneRow>> {
    const nt = f.networkType?.toLowerCase();
    return paginate(
      (await this.listZones()).filter(
        (z) =>
          (!f.id || z.id === f.id) &&
          (!f.name || z.name === f.name) &&
          (!nt || z.network_type.toLowerCase() === nt) &&
          matchesKeyword(f.keyword, z.name, z.description),
      ),
      paging,
    );
  }

  /** One page of the service offerings matching f, in catalog order. */
  async findServiceOfferings(f: OfferingFilter, paging: Paging): Promise<Page<ServiceOfferingRow>> {
    return paginate(
      (await this.listServiceOfferings()).filter((o) => offeringMatches(o, f)),
      paging,
    );
  }

  /** One page of the disk offerings matching f, smallest first. */
  async findDiskOfferings(f: OfferingFilter, paging: Paging): Promise<Page<DiskOfferingRow>> {
    return paginate(
      (await this.listDiskOfferings()).filter((o) => offeringMatches(o, f)),
      paging,
    );
  }

  /** One page of the OS types matching f. */
  async findOsTypes(f: OsTypeFilter, paging: Paging): Promise<Page<OsTypeRow>> {
    return paginate(
      (await this.listOsTypes()).filter(
        (o) =>
          (!f.id || o.id === f.id) &&
          (!f.description || o.description === f.description) &&
          (!f.categoryId || o.category_id === f.categoryId) &&
          matchesKeyword(f.keyword, o.description),
      ),
      paging,
    );
  }

  /** One page of the caller's visible templates matching f, one entry per zone each is in (f.zoneId: that zone only, NotFound if unknown). */
  async findTemplates(ctx: CallContext, f: TemplateFilter, paging: Paging): Promise<Page<TemplateInZone>> {
    const zones = f.zoneId ? [await this.zone(f.zoneId)] : await this.listZones();
    const rows = (await this.visibleTemplates(ctx, f.visibility)).filter(
      (t) =>
        (!f.id || t.id === f.id) && (!f.name || t.name === f.name) && matchesKeyword(f.keyword, t.name, t.display_text),
    );
    const entries: TemplateInZone[] = [];
    for (const template of rows)
      for (const zone of zones) if (!template.zone_id || template.zone_id === zone.id) entries.push({ template, zone });
    return paginate(entries, paging);
  }

  /** Hosts of a zone (or all), for operators and placement. */
  async listHosts(zoneId?: string): Promise<HostRow[]> {
    let q = this.store.db.selectFrom('hosts').selectAll().orderBy('name');
    if (zoneId) q = q.where('zone_id', '=', zoneId);
    return q.execute();
  }
}

/** True when an offering passes f. */
function offeringMatches(o: { id: string; name: string; display_text: string }, f: OfferingFilter): boolean {
  return (
    (!f.id || o.id === f.id) &&
    (!f.name || o.name === f.name) &&
    o.id !== f.excludeId &&
    matchesKeyword(f.keyword, o.name, o.display_text)
  );
}
