/** createAntiAffinityGroup, listAntiAffinityGroups, deleteAntiAffinityGroup: Exoscale's synchronous anti-affinity commands. */
import { LIST_PARAMS, command, list, param, sync } from '../../command.js';
import { csAffinityGroup } from '../../views/affinity-group.js';

/** createAntiAffinityGroup. */
export const createAntiAffinityGroup = command({
  name: 'createAntiAffinityGroup',
  description: 'Creates an Anti-Affinity Group.',
  isAsync: false,
  responseName: 'affinitygroup',
  params: {
    name: param.string('name of the Anti-Affinity Group').required(),
    description: param.string('description of the Anti-Affinity Group'),
  },
  async handle(core, ctx, p) {
    const { group } = await core.affinity.create(ctx, { name: p.name, description: p.description });
    return sync({ affinitygroup: csAffinityGroup(group) });
  },
});

/** listAntiAffinityGroups. */
export const listAntiAffinityGroups = command({
  name: 'listAntiAffinityGroups',
  description: 'Lists Anti-Affinity Groups.',
  isAsync: false,
  responseName: 'affinitygroup',
  params: {
    ...LIST_PARAMS,
    id: param.uuid('an unique identifier to restrict results to'),
    name: param.string('a name to restrict results to'),
    virtualmachineid: param.uuid('an unique identifier of virtual machine to restrict results to'),
  },
  async handle(core, ctx, p) {
    const page = await core.affinity.list(ctx, {
      id: p.id,
      name: p.name,
      vmId: p.virtualmachineid,
      keyword: p.keyword,
      page: p.page,
      pageSize: p.pagesize,
    });
    return list('affinitygroup', page.count, page.items.map(csAffinityGroup));
  },
});

/** deleteAntiAffinityGroup. */
export const deleteAntiAffinityGroup = command({
  name: 'deleteAntiAffinityGroup',
  description: 'Deletes an Anti-Affinity Group.',
  isAsync: false,
  responseName: 'success',
  params: {
    id: param.uuid('unique identifier of the Anti-Affinity Group. Mutually exclusive with the "name" parameter.'),
    name: param.string('name of the Anti-Affinity Group. Mutually exclusive with the "id" parameter.'),
  },
  async handle(core, ctx, p) {
    await core.affinity.delete(ctx, { id: p.id, name: p.name });
    return sync({ success: 'true' });
  },
});
