/** createAntiAffinityGroup, listAntiAffinityGroups, deleteAntiAffinityGroup: Exoscale's synchronous anti-affinity commands. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, list, sync } from '../../command.js';
import { csAffinityGroup } from '../../views/affinity-group.js';

/** createAntiAffinityGroup. */
export const createAntiAffinityGroup: CsCommand = {
  name: 'createAntiAffinityGroup', description: 'Creates an Anti-Affinity Group.', isAsync: false, responseName: 'affinitygroup',
  params: [
    { name: 'name', type: 'string', required: true, description: 'name of the Anti-Affinity Group' },
    { name: 'description', type: 'string', description: 'description of the Anti-Affinity Group' },
  ],
  async handle(core, ctx, p) {
    return sync({ affinitygroup: csAffinityGroup(await core.affinity.create(ctx, { name: p.name, description: p.description })) });
  },
};

/** listAntiAffinityGroups. */
export const listAntiAffinityGroups: CsCommand = {
  name: 'listAntiAffinityGroups', description: 'Lists Anti-Affinity Groups.', isAsync: false, responseName: 'affinitygroup',
  params: [
    ...LIST_PARAMS,
    { name: 'id', type: 'uuid', description: 'an unique identifier to restrict results to' },
    { name: 'name', type: 'string', description: 'a name to restrict results to' },
    { name: 'virtualmachineid', type: 'uuid', description: 'an unique identifier of virtual machine to restrict results to' },
  ],
  async handle(core, ctx, p) {
    const page = await core.affinity.list(ctx, {
      id: p.id, name: p.name, vmId: p.virtualmachineid, keyword: p.keyword, page: p.page, pageSize: p.pagesize,
    });
    return list('affinitygroup', page.count, page.items.map(csAffinityGroup));
  },
};

/** deleteAntiAffinityGroup. */
export const deleteAntiAffinityGroup: CsCommand = {
  name: 'deleteAntiAffinityGroup', description: 'Deletes an Anti-Affinity Group.', isAsync: false, responseName: 'success',
  params: [
    { name: 'id', type: 'uuid', description: 'unique identifier of the Anti-Affinity Group. Mutually exclusive with the "name" parameter.' },
    { name: 'name', type: 'string', description: 'name of the Anti-Affinity Group. Mutually exclusive with the "id" parameter.' },
  ],
  async handle(core, ctx, p) {
    await core.affinity.delete(ctx, { id: p.id, name: p.name });
    return sync({ success: 'true' });
  },
};
