/** createAffinityGroup, listAffinityGroups, listAffinityGroupTypes, deleteAffinityGroup: CloudStack's generic affinity commands. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, job, list } from '../../command.js';
import { csAffinityGroup } from '../../views/affinity-group.js';

const IGNORED = [
  { name: 'account', type: 'string', description: 'ignored' },
  { name: 'domainid', type: 'uuid', description: 'ignored' },
  { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
] as const;

/** createAffinityGroup: async, the job result is the `affinitygroup`. */
export const createAffinityGroup: CsCommand = {
  name: 'createAffinityGroup', description: 'Creates an affinity/anti-affinity group', isAsync: true, responseName: 'affinitygroup',
  params: [
    { name: 'name', type: 'string', required: true, description: 'name of the affinity group' },
    { name: 'type', type: 'string', required: true, description: 'Type of the affinity group: "host anti-affinity"' },
    { name: 'description', type: 'string', description: 'optional description of the affinity group' },
    ...IGNORED,
  ],
  async handle(core, ctx, p) {
    const r = await core.affinity.createAsJob(ctx, { name: p.name, type: p.type, description: p.description });
    return job(r.taskId, r.groupId);
  },
};

/** listAffinityGroups. */
export const listAffinityGroups: CsCommand = {
  name: 'listAffinityGroups', description: 'Lists affinity groups', isAsync: false, responseName: 'affinitygroup',
  params: [
    ...LIST_PARAMS,
    { name: 'id', type: 'uuid', description: 'list the affinity group by the ID provided' },
    { name: 'name', type: 'string', description: 'lists affinity groups by name' },
    { name: 'type', type: 'string', description: 'lists affinity groups by type' },
    { name: 'virtualmachineid', type: 'uuid', description: 'lists affinity groups by virtual machine ID' },
    { name: 'listall', type: 'boolean', description: 'ignored' },
    { name: 'isrecursive', type: 'boolean', description: 'ignored' },
    ...IGNORED,
  ],
  async handle(core, ctx, p) {
    const page = await core.affinity.list(ctx, {
      id: p.id, name: p.name, type: p.type, vmId: p.virtualmachineid, keyword: p.keyword, page: p.page, pageSize: p.pagesize,
    });
    return list('affinitygroup', page.count, page.items.map(csAffinityGroup));
  },
};

/** listAffinityGroupTypes: the one supported type under libcloud's camelCase key. */
export const listAffinityGroupTypes: CsCommand = {
  name: 'listAffinityGroupTypes', description: 'Lists affinity group types available', isAsync: false, responseName: 'affinityGroupType',
  params: [...LIST_PARAMS],
  async handle(core) {
    const types = core.affinity.types().map((type) => ({ type }));
    return list('affinityGroupType', types.length, types);
  },
};

/** deleteAffinityGroup: async, job result `success`. */
export const deleteAffinityGroup: CsCommand = {
  name: 'deleteAffinityGroup', description: 'Deletes affinity group', isAsync: true, responseName: 'success',
  params: [
    { name: 'id', type: 'uuid', description: 'The ID of the affinity group. Mutually exclusive with name parameter' },
    { name: 'name', type: 'string', description: 'The name of the affinity group. Mutually exclusive with ID parameter' },
    ...IGNORED,
  ],
  async handle(core, ctx, p) {
    return job(await core.affinity.deleteAsJob(ctx, { id: p.id, name: p.name }));
  },
};
