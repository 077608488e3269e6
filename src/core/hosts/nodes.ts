/** Hosts as CVM nodes and templates as CVM templates: integer ids, and what an account may see of them. */
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { forbidden, notFound } from '../../lib/errors.js';
import { numberedAliases, objectByNumber } from '../aliases/service.js';

/** A host as a node. */
export interface NodeView {
  serial: number;
  name: string;
  hostname: string;
  location: string;
}

/** A template with its integer id. */
export interface NumberedTemplate {
  serial: number;
  name: string;
  description: string;
  supported: boolean;
  available: boolean;
  outdated: boolean;
}

/** Nodes an account runs on, and templates it may install. */
export class NodeService {
  constructor(private readonly deps: CoreDeps) {}

  /** The nodes the caller has VPSes on (now, or last seen for stopped ones). */
  async listNodes(ctx: CallContext): Promise<NodeView[]> {
    const ids = await this.accountHosts(ctx);
    const hosts = (await this.deps.catalog.listHosts()).filter((h) => ids.has(h.id));
    const serials = await numberedAliases(
      this.deps.store,
      'host',
      'cvm',
      hosts.map((h) => h.id),
    );
    const views = await Promise.all(hosts.map((h) => this.nodeView(h, serials.get(h.id)!)));
    return views.sort((a, b) => a.serial - b.serial);
  }

  /** One node: NotFound when no such node exists, Forbidden when the caller has no VPS on it. */
  async node(ctx: CallContext, serial: number): Promise<NodeView> {
    const hostId = Number.isSafeInteger(serial)
      ? await objectByNumber(this.deps.store, 'host', 'cvm', serial)
      : undefined;
    const host = hostId ? (await this.deps.catalog.listHosts()).find((h) => h.id === hostId) : undefined;
    if (!host) throw notFound('node', String(serial), 'object');
    if (!(await this.accountHosts(ctx)).has(host.id)) throw forbidden('You do not have access to this node.');
    return this.nodeView(host, serial);
  }

  /** Templates the caller may install, by integer id. */
  async listTemplates(ctx: CallContext): Promise<NumberedTemplate[]> {
    const rows = await this.deps.catalog.visibleTemplates(ctx, 'executable');
    const serials = await numberedAliases(
      this.deps.store,
      'template',
      'cvm',
      rows.map((t) => t.id),
    );
    return rows
      .map((t) => ({
        serial: serials.get(t.id)!,
        name: t.name,
        description: t.display_text,
        supported: true,
        available: t.ready === 1,
        outdated: false,
      }))
      .sort((a, b) => a.serial - b.serial);
  }

  /** One template the caller may use; NotFound alike when it is unknown, removed or another account's private one (no existence leak). */
  async template(ctx: CallContext, serial: number): Promise<NumberedTemplate> {
    const id = Number.isSafeInteger(serial)
      ? await objectByNumber(this.deps.store, 'template', 'cvm', serial)
      : undefined;
    const row = id ? await this.deps.catalog.templateForDisplay(id) : undefined;
    if (!row || row.removed_at || (row.public !== 1 && row.account_id !== ctx.accountId))
      throw notFound('template', String(serial), 'object');
    return {
      serial,
      name: row.name,
      description: row.display_text,
      supported: true,
      available: row.ready === 1,
      outdated: false,
    };
  }

  /** The integer ids (aliases of scheme 'cvm') of hosts or templates by object id, numbering those seen for the first time. */
  serials(kind: 'host' | 'template', objectIds: string[]): Promise<Map<string, number>> {
    return numberedAliases(this.deps.store, kind, 'cvm', objectIds);
  }

  /** The object id of a host or template with this integer id, if any. */
  objectOf(kind: 'host' | 'template', serial: number): Promise<string | undefined> {
    return objectByNumber(this.deps.store, kind, 'cvm', serial);
  }

  private async nodeView(h: { id: string; name: string; zone_id: string }, serial: number): Promise<NodeView> {
    const zone = await this.deps.catalog.zoneOrUndefined(h.zone_id);
    return { serial, name: h.name, hostname: h.name, location: zone?.name ?? '' };
  }

  private async accountHosts(ctx: CallContext): Promise<Set<string>> {
    const db = this.deps.store.db;
    const [now, last] = await Promise.all([
      db
        .selectFrom('vms')
        .select('host_id')
        .where('account_id', '=', ctx.accountId)
        .where('removed_at', 'is', null)
        .where('host_id', 'is not', null)
        .execute(),
      db
        .selectFrom('vm_traffic')
        .innerJoin('vms', 'vms.id', 'vm_traffic.vm_id')
        .select('vm_traffic.last_host_id')
        .where('vms.account_id', '=', ctx.accountId)
        .where('vms.removed_at', 'is', null)
        .where('vm_traffic.last_host_id', 'is not', null)
        .execute(),
    ]);
    return new Set([...now.map((r) => r.host_id!), ...last.map((r) => r.last_host_id!)]);
  }
}
