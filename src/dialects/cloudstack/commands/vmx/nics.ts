/** addNicToVirtualMachine, removeNicFromVirtualMachine, updateVmNicIp: a VM's NICs on private networks; async. */
import type { CsCommand } from '../../command.js';
import { job } from '../../command.js';

const IPADDRESS = {
  name: 'ipaddress', type: 'string', max: 15,
  description: 'Static IP address lease for the NIC, in the range of the network',
} as const;

/** addNicToVirtualMachine. */
export const addNicToVirtualMachine: CsCommand = {
  name: 'addNicToVirtualMachine', description: 'Adds VM to specified network by creating a NIC', isAsync: true, responseName: 'virtualmachine',
  params: [
    IPADDRESS,
    { name: 'networkid', type: 'uuid', required: true, description: 'The ID of the network' },
    { name: 'virtualmachineid', type: 'uuid', required: true, description: 'The ID of the virtual machine' },
  ],
  async handle(core, ctx, p) {
    return job(await core.vmNics.add(ctx, p.virtualmachineid, p.networkid, p.ipaddress || undefined), p.virtualmachineid);
  },
};

/** removeNicFromVirtualMachine. */
export const removeNicFromVirtualMachine: CsCommand = {
  name: 'removeNicFromVirtualMachine', description: 'Removes VM from specified network by deleting a NIC', isAsync: true,
  responseName: 'virtualmachine',
  params: [
    { name: 'nicid', type: 'uuid', required: true, description: 'The ID of NIC' },
    { name: 'virtualmachineid', type: 'uuid', required: true, description: 'The ID of the virtual machine' },
  ],
  async handle(core, ctx, p) {
    return job(await core.vmNics.remove(ctx, p.virtualmachineid, p.nicid), p.virtualmachineid);
  },
};

/** updateVmNicIp: without ipaddress the NIC's lease is removed. */
export const updateVmNicIp: CsCommand = {
  name: 'updateVmNicIp', description: 'Update the default Ip of a VM Nic', isAsync: true, responseName: 'virtualmachine',
  params: [
    { ...IPADDRESS, description: 'Static IP address lease for the NIC; if absent, the lease of the NIC is removed' },
    { name: 'nicid', type: 'uuid', required: true, description: 'the ID of the nic' },
  ],
  async handle(core, ctx, p) {
    const r = await core.vmNics.updateIp(ctx, p.nicid, p.ipaddress || undefined);
    return job(r.taskId, r.vmId);
  },
};
