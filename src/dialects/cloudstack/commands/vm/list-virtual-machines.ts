/** listVirtualMachines: the caller's VMs with paging and filters. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, list } from '../../command.js';
import { csVm } from '../../views/vm.js';

const STATES: Record<string, string[]> = {
  running: ['running', 'rebooting'], stopped: ['stopped'], starting: ['creating', 'starting', 'restoring'],
  stopping: ['stopping'], destroyed: ['destroyed'], expunging: ['destroying'], error: ['error'],
};

/** The command. */
export const listVirtualMachines: CsCommand = {
  name: 'listVirtualMachines', description: 'List the virtual machines.', isAsync: false, responseName: 'virtualmachine',
  params: [
    ...LIST_PARAMS,
    { name: 'affinitygroupid', type: 'uuid', description: 'list vms by affinity group' },
    { name: 'details', type: 'list', description: 'comma separated list of details requested' },
    { name: 'forvirtualnetwork', type: 'boolean', description: 'list by network type' },
    { name: 'groupid', type: 'uuid', description: 'the group ID' },
    { name: 'id', type: 'uuid', description: 'the ID of the virtual machine' },
    { name: 'ids', type: 'uuidlist', description: 'the IDs of the virtual machines' },
    { name: 'name', type: 'string', description: 'name of the virtual machine' },
    { name: 'networkid', type: 'uuid', description: 'list by network id' },
    { name: 'state', type: 'string', description: 'state of the virtual machine' },
    { name: 'tags', type: 'map', description: 'list virtual machines by tags (key/value pairs)' },
    { name: 'templateid', type: 'uuid', description: 'list vms by template' },
    { name: 'zoneid', type: 'uuid', description: 'the availability zone ID' },
    { name: 'securitygroupid', type: 'uuid', description: 'list vms by security group' },
    { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
    { name: 'listall', type: 'boolean', description: 'ignored' },
  ],
  async handle(core, ctx, p) {
    const state = p.state ? STATES[String(p.state).toLowerCase()] ?? ['-'] : undefined;
    const page = await core.vms.list(ctx, {
      id: p.id, ids: p.ids, name: p.name, keyword: p.keyword, state, zoneId: p.zoneid, templateId: p.templateid,
      networkId: p.networkid, affinityGroupId: p.affinitygroupid, securityGroupId: p.securitygroupid,
      tags: (p.tags as Array<{ key?: string; value?: string }> | undefined)?.filter((t) => t.key).map((t) => ({ key: t.key!, value: t.value })),
      page: p.page, pageSize: p.pagesize,
    });
    return list('virtualmachine', page.count, page.items.map((vm) => csVm(vm)));
  },
};
