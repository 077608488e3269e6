/** updateVirtualMachine: names, group, display flag, user data and security groups of a VM; synchronous. */
import { command, param, sync } from '../../command.js';
import { csVm } from '../../views/vm.js';

/** The command; `userData` matches `userdata` because parameter names are case-insensitive. */
export const updateVirtualMachine = command({
  name: 'updateVirtualMachine',
  description:
    'Updates properties of a virtual machine. The VM has to be stopped and restarted for the new properties to take effect.',
  isAsync: false,
  responseName: 'virtualmachine',
  params: {
    id: param.uuid('The ID of the virtual machine').required(),
    displayname: param.string('user generated name'),
    displayvm: param.boolean('whether to display the vm to the end user or not'),
    group: param.string('group of the virtual machine'),
    name: param.string('new host name of the vm'),
    securitygroupids: param.uuidlist('the complete list of security group ids of the VM'),
    userdata: param.string('base64 user data: 2KB with GET, 32KB with POST').maxLength(32768),
  },
  async handle(core, ctx, p) {
    const { vm } = await core.vms.update(ctx, p.id, {
      name: p.name,
      displayName: p.displayname,
      group: p.group,
      userData: p.userdata,
      securityGroupIds: p.securitygroupids,
      displayVm: p.displayvm,
    });
    return sync({ virtualmachine: csVm(vm) });
  },
});
