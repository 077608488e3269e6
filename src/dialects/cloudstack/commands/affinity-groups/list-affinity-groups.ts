/** listAffinityGroups: the caller's affinity groups with their member VMs, filtered and paged. */
import { IGNORED_OWNER, LIST_PARAMS, command, list, param } from '../../command.js';
import { csAffinityGroup } from '../../views/affinity-group.js';

/** The command. */
export const listAffinityGroups = command({
  name: 'listAffinityGroups',
  description: 'Lists affinity groups',
  isAsync: false,
  responseName: 'affinitygroup',
  params: {
    ...LIST_PARAMS,
    id: param.uuid('list the affinity group by the ID provided'),
    name: param.string('lists affinity groups by name'),
    type: param.string('lists affinity groups by type'),
    virtualmachineid: param.uuid('lists affinity groups by virtual machine ID'),
    listall: param.boolean('ignored'),
    isrecursive: param.boolean('ignored'),
    ...IGNORED_OWNER,
  },
  async handle(core, ctx, p) {
    const page = await core.affinity.list(ctx, {
      id: p.id,
      name: p.name,
      type: p.type,
      vmId: p.virtualmachineid,
      keyword: p.keyword,
      page: p.page,
      pageSize: p.pagesize,
    });
    return list('affinitygroup', page.count, page.items.map(csAffinityGroup));
  },
});
