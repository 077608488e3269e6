/** listTemplates: featured, self, community and executable templates. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { matchesKeyword, paginate } from '../../../../core/catalog/service.js';
import type { TemplateRow } from '../../../../core/catalog/service.js';
import { invalid } from '../../../../lib/errors.js';
import type { Core } from '../../../../core/core.js';
import type { CallContext } from '../../../../lib/context.js';
import { csTemplate } from '../../views/template.js';

/** Templates of a listTemplates filter visible to the caller. */
async function visibleTemplates(core: Core, ctx: CallContext, filter: string): Promise<TemplateRow[]> {
  const f = filter === 'featured' || filter === 'self' || filter === 'community' ? filter : 'executable';
  return core.catalog.visibleTemplates(ctx, f);
}

/** The command. */
export const listTemplates = command({
  name: 'listTemplates', description: 'List all templates.', isAsync: false, responseName: 'template',
  params: {
    ...LIST_PARAMS,
    templatefilter: param.string('featured, self, community, executable, selfexecutable or all').required(),
    id: param.uuid('the template ID'),
    name: param.string('the template name'),
    tags: param.map<'key' | 'value'>('list templates by tags (key/value pairs)'),
    zoneid: param.uuid('list templates by zoneid'),
    hypervisor: param.string('the hypervisor (KVM)'),
  },
  async handle(core, ctx, p) {
    const filter = p.templatefilter.toLowerCase();
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
});
