/** listVirtualMachines: the caller's VMs with paging and filters. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { tagFilter } from '../../tag-params.js';
import { csVm } from '../../views/vm.js';

const STATES: Record<string, string[]> = {
  running: ['running', 'rebooting'],
  stopped: ['stopped', 'defined'],
  starting: ['creating', 'starting', 'restoring'],
  stopping: ['stopping'],
  destroyed: ['destroyed'],
  expunging: ['destroying'],
  error: ['error'],
};

/** The command. */
export const listVirtualMachines = command({
  name: 'listVirtualMachines',
  description: 'List the virtual machines.',
  isAsync: false,
  cacheable: true,
  responseName: 'virtualmachine',
  params: {
    ...LIST_PARAMS,
    affinitygroupid: param.uuid('list vms by affinity group'),
    details: param.list('comma separated list of details requested'),
    forvirtualnetwork: param.boolean('list by network type'),
    groupid: param.uuid('the group ID'),
    id: param.uuid('the ID of the virtual machine'),
    ids: param.uuidlist('the IDs of the virtual machines'),
    name: param.string('name of the virtual machine'),
    networkid: param.uuid('list by network id'),
    state: param.string('state of the virtual machine'),
    tags: param.map<'key' | 'value'>('list virtual machines by tags (key/value pairs)'),
    templateid: param.uuid('list vms by template'),
    zoneid: param.uuid('the availability zone ID'),
    securitygroupid: param.uuid('list vms by security group'),
    projectid: param.uuid('ignored: Nube has no projects'),
    listall: param.boolean('ignored'),
  },
  async handle(core, ctx, p) {
    const state = p.state ? (STATES[p.state.toLowerCase()] ?? ['-']) : undefined;
    const page = await core.vms.list(ctx, {
      id: p.id,
      ids: p.ids,
      name: p.name,
      keyword: p.keyword,
      state,
      zoneId: p.zoneid,
      templateId: p.templateid,
      networkId: p.networkid,
      affinityGroupId: p.affinitygroupid,
      securityGroupId: p.securitygroupid,
      tags: tagFilter(p.tags),
      page: p.page,
      pageSize: p.pagesize,
    });
    return list(
      'virtualmachine',
      page.count,
      page.items.map((vm) => csVm(vm)),
    );
  },
});
