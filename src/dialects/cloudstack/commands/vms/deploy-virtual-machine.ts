/** deployVirtualMachine: creates (and by default starts) a VM; async. */
import { command, job, param } from '../../command.js';

/** The command. */
export const deployVirtualMachine = command({
  name: 'deployVirtualMachine',
  description:
    'Creates and automatically starts a virtual machine based on a service offering, disk offering, and template.',
  isAsync: true,
  responseName: 'virtualmachine',
  params: {
    serviceofferingid: param.uuid('the ID of the service offering for the virtual machine').required(),
    templateid: param.uuid('the ID of the template for the virtual machine').required(),
    zoneid: param.uuid('availability zone for the virtual machine').required(),
    affinitygroupids: param.uuidlist('comma separated list of affinity groups id'),
    affinitygroupnames: param.list('comma separated list of affinity groups names'),
    details: param.map('used to specify the custom parameters'),
    displayname: param.string('an optional user generated name for the virtual machine'),
    displayvm: param.boolean('whether to display the vm to the end user or not'),
    group: param.string('an optional group for the virtual machine'),
    ip4: param.boolean('request an IPv4 (always true)'),
    ip6: param.boolean('request an IPv6 on the default nic'),
    ipaddress: param.string('the IPv4 address for the default nic'),
    keyboard: param.string('an optional keyboard device type for the virtual machine'),
    keypair: param.string('name of the ssh key pair used to login to the virtual machine'),
    name: param.string('host name for the virtual machine'),
    networkids: param.uuidlist('list of network ids used by virtual machine'),
    rootdisksize: param.long('Optional size in gigabyte of the disk'),
    securitygroupids: param.uuidlist('comma separated list of security groups id'),
    securitygroupnames: param.list('comma separated list of security groups names'),
    startvm: param.boolean('true by default: start the VM once deployed'),
    userdata: param.string('base64 user data: 2KB with GET, 32KB with POST').maxLength(32768),
    diskofferingid: param.uuid('the ID of a disk offering for an additional data disk'),
    hypervisor: param.string('the hypervisor (KVM)'),
  },
  async handle(core, ctx, p) {
    const { receipt } = await core.vms.create(ctx, {
      zoneId: p.zoneid,
      offeringId: p.serviceofferingid,
      templateId: p.templateid,
      name: p.name,
      displayName: p.displayname,
      group: p.group,
      sshKeyName: p.keypair,
      userData: p.userdata,
      rootDiskSizeGb: p.rootdisksize,
      securityGroupIds: p.securitygroupids,
      securityGroupNames: p.securitygroupnames,
      affinityGroupIds: p.affinitygroupids,
      affinityGroupNames: p.affinitygroupnames,
      networkIds: p.networkids,
      ipAddress: p.ipaddress,
      start: p.startvm,
      displayVm: p.displayvm,
    });
    return job(receipt.taskId, receipt.objectId);
  },
});
