/** updateVirtualMachine: names, group, display flag, user data and security groups of a VM; synchronous. */
import type { CsCommand } from '../../command.js';
import { sync } from '../../command.js';
import { csVm } from '../../views/vm.js';

/** The command; `userData` matches `userdata` because parameter names are case-insensitive. */
export const updateVirtualMachine: CsCommand = {
  name: 'updateVirtualMachine',
  description: 'Updates properties of a virtual machine. The VM has to be stopped and restarted for the new properties to take effect.',
  isAsync: false,
  responseName: 'virtualmachine',
  params: [
    { name: 'id', type: 'uuid', required: true, description: 'The ID of the virtual machine' },
    { name: 'displayname', type: 'string', description: 'user generated name' },
    { name: 'displayvm', type: 'boolean', description: 'whether to display the vm to the end user or not' },
    { name: 'group', type: 'string', description: 'group of the virtual machine' },
    { name: 'name', type: 'string', description: 'new host name of the vm' },
    { name: 'securitygroupids', type: 'uuidlist', description: 'the complete list of security group ids of the VM' },
    { name: 'userdata', type: 'string', max: 32768, description: 'base64 user data: 2KB with GET, 32KB with POST' },
  ],
  async handle(core, ctx, p) {
    const vm = await core.vms.update(ctx, p.id, {
      name: p.name, displayName: p.displayname, group: p.group, userdata: p.userdata, securityGroupIds: p.securitygroupids,
      displayVm: p.displayvm,
    });
    return sync({ virtualmachine: csVm(vm) });
  },
};
