/** listTemplates: featured, self, community and executable templates. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, list } from '../../command.js';
import { matchesKeyword, paginate } from '../../../../core/catalog/service.js';
import type { TemplateRow, ZoneRow } from '../../../../core/catalog/service.js';
import { invalid } from '../../../../lib/errors.js';
import { flag, parseJson } from '../../../../lib/util.js';
import { csDate } from '../../views/common.js';
import type { Core } from '../../../../core/core.js';
import type { CallContext } from '../../../../lib/context.js';

/** A template as CloudStack lists it (one entry per zone it is in). */
export async function csTemplate(core: Core, t: TemplateRow, zone: ZoneRow, accountName: string): Promise<Record<string, unknown>> {
  const os = await core.catalog.osType(t.os_type_id);
  return {
    id: t.id, name: t.name, displaytext: t.display_text, size: Number(t.size), format: t.format, hypervisor: 'KVM',
    ostypeid: t.os_type_id, ostypename: os?.description ?? 'Other (64-bit)', oscategoryid: os?.category_id, oscategoryname: os?.category_name,
    isfeatured: flag(t.featured), ispublic: flag(t.public), isready: flag(t.ready), passwordenabled: flag(t.password_enabled),
    sshkeyenabled: flag(t.sshkey_enabled), isextractable: true, isdynamicallyscalable: false, crossZones: t.zone_id === null,
    checksum: t.checksum ?? undefined, created: csDate(t.created_at), templatetype: t.template_type, bootmode: t.boot_mode,
    details: parseJson(t.details, undefined), zoneid: zone.id, zonename: zone.name, status: t.ready === 1 ? 'Download Complete' : t.state,
    account: t.account_id ? accountName : 'system', directdownload: false, tags: [],
  };
}

/** Templates of a listTemplates filter visible to the caller. */
export async function visibleTemplates(core: Core, ctx: CallContext, filter: string): Promise<TemplateRow[]> {
  const f = filter === 'featured' || filter === 'self' || filter === 'community' ? filter : 'executable';
  return core.catalog.visibleTemplates(ctx, f);
}

/** The command. */
export const listTemplates: CsCommand = {
  name: 'listTemplates', description: 'List all templates.', isAsync: false, responseName: 'template',
  params: [
    ...LIST_PARAMS,
    { name: 'templatefilter', type: 'string', required: true, description: 'featured, self, community, executable, selfexecutable or all' },
    { name: 'id', type: 'uuid', description: 'the template ID' },
    { name: 'name', type: 'string', description: 'the template name' },
    { name: 'tags', type: 'map', description: 'list templates by tags (key/value pairs)' },
    { name: 'zoneid', type: 'uuid', description: 'list templates by zoneid' },
    { name: 'hypervisor', type: 'string', description: 'the hypervisor (KVM)' },
  ],
  async handle(core, ctx, p) {
    const filter = String(p.templatefilter).toLowerCase();
    if (!['featured', 'self', 'community', 'executable', 'selfexecutable', 'sharedexecutable', 'all'].includes(filter)) {
      throw invalid(`Invalid templatefilter ${p.templatefilter}: use featured, self, community or executable`, 'templatefilter');
    }
    const zones = p.zoneid ? [await core.catalog.zone(p.zoneid)] : await core.catalog.listZones();
    const rows = (await visibleTemplates(core, ctx, filter === 'selfexecutable' ? 'self' : filter))
      .filter((t) => (!p.id || t.id === p.id) && (!p.name || t.name === p.name) && matchesKeyword(p.keyword, t.name, t.display_text));
    const entries: Array<Record<string, unknown>> = [];
    for (const t of rows) for (const z of zones) if (!t.zone_id || t.zone_id === z.id) entries.push(await csTemplate(core, t, z, ctx.accountName));
    const page = paginate(entries, { page: p.page, pageSize: p.pagesize });
    return list('template', page.count, page.items);
  },
};
