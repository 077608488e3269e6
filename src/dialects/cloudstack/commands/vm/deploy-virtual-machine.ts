/** deployVirtualMachine: creates (and by default starts) a VM; async. */
import type { CsCommand } from '../../command.js';
import { job } from '../../command.js';

/** The command. */
export const deployVirtualMachine: CsCommand = {
  name: 'deployVirtualMachine',
  description: 'Creates and automatically starts a virtual machine based on a service offering, disk offering, and template.',
  isAsync: true,
  responseName: 'virtualmachine',
  params: [
    { name: 'serviceofferingid', type: 'uuid', required: true, description: 'the ID of the service offering for the virtual machine' },
    { name: 'templateid', type: 'uuid', required: true, description: 'the ID of the template for the virtual machine' },
    { name: 'zoneid', type: 'uuid', required: true, description: 'availability zone for the virtual machine' },
    { name: 'affinitygroupids', type: 'uuidlist', description: 'comma separated list of affinity groups id' },
    { name: 'affinitygroupnames', type: 'list', description: 'comma separated list of affinity groups names' },
    { name: 'details', type: 'map', description: 'used to specify the custom parameters' },
    { name: 'displayname', type: 'string', description: 'an optional user generated name for the virtual machine' },
    { name: 'displayvm', type: 'boolean', description: 'whether to display the vm to the end user or not' },
    { name: 'group', type: 'string', description: 'an optional group for the virtual machine' },
    { name: 'ip4', type: 'boolean', description: 'request an IPv4 (always true)' },
    { name: 'ip6', type: 'boolean', description: 'request an IPv6 on the default nic' },
    { name: 'ipaddress', type: 'string', description: 'the IPv4 address for the default nic' },
    { name: 'keyboard', type: 'string', description: 'an optional keyboard device type for the virtual machine' },
    { name: 'keypair', type: 'string', description: 'name of the ssh key pair used to login to the virtual machine' },
    { name: 'name', type: 'string', description: 'host name for the virtual machine' },
    { name: 'networkids', type: 'uuidlist', description: 'list of network ids used by virtual machine' },
    { name: 'rootdisksize', type: 'long', description: 'Optional size in gigabyte of the disk' },
    { name: 'securitygroupids', type: 'uuidlist', description: 'comma separated list of security groups id' },
    { name: 'securitygroupnames', type: 'list', description: 'comma separated list of security groups names' },
    { name: 'startvm', type: 'boolean', description: 'true by default: start the VM once deployed' },
    { name: 'userdata', type: 'string', max: 32768, description: 'base64 user data: 2KB with GET, 32KB with POST' },
    { name: 'diskofferingid', type: 'uuid', description: 'the ID of a disk offering for an additional data disk' },
    { name: 'hypervisor', type: 'string', description: 'the hypervisor (KVM)' },
  ],
  async handle(core, ctx, p) {
    const r = await core.vms.deploy(ctx, {
      zoneId: p.zoneid, serviceOfferingId: p.serviceofferingid, templateId: p.templateid, name: p.name, displayName: p.displayname,
      group: p.group, keypair: p.keypair, userdata: p.userdata, rootDiskSizeGb: p.rootdisksize, securityGroupIds: p.securitygroupids,
      securityGroupNames: p.securitygroupnames, affinityGroupIds: p.affinitygroupids, affinityGroupNames: p.affinitygroupnames,
      networkIds: p.networkids, ipAddress: p.ipaddress, startVm: p.startvm, displayVm: p.displayvm,
    });
    return job(r.taskId, r.id);
  },
};
