/** listTemplates: featured, self, community and executable templates. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import type { TemplateFilter } from '../../../../core/catalog/service.js';
import { invalid } from '../../../../lib/errors.js';
import { csTemplate } from '../../views/template.js';
import { csPaging } from '../../paging.js';

/** The core visibility rule of a listTemplates filter (selfexecutable is self; sharedexecutable and all are executable). */
function visibility(filter: string): TemplateFilter['visibility'] {
  if (filter === 'selfexecutable') return 'self';
  return filter === 'featured' || filter === 'self' || filter === 'community' ? filter : 'executable';
}

/** The command. */
export const listTemplates = command({
  name: 'listTemplates',
  description: 'List all templates.',
  isAsync: false,
  responseName: 'template',
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
    if (
      !['featured', 'self', 'community', 'executable', 'selfexecutable', 'sharedexecutable', 'all'].includes(filter)
    ) {
      throw invalid(
        `Invalid templatefilter ${p.templatefilter}: use featured, self, community or executable`,
        'templatefilter',
      );
    }
    const f = { visibility: visibility(filter), id: p.id, name: p.name, keyword: p.keyword, zoneId: p.zoneid };
    const page = await core.catalog.findTemplates(ctx, f, csPaging(p));
    const items: Array<Record<string, unknown>> = [];
    for (const { template, zone } of page.items) items.push(await csTemplate(core, template, zone, ctx.accountName));
    return list('template', page.count, items);
  },
});
