/** addNicToVirtualMachine, removeNicFromVirtualMachine, updateVmNicIp: a VM's NICs on private networks; async. */
import { command, job, param } from '../../command.js';

const IPADDRESS_MAX = 15;

/** addNicToVirtualMachine. */
export const addNicToVirtualMachine = command({
  name: 'addNicToVirtualMachine',
  description: 'Adds VM to specified network by creating a NIC',
  isAsync: true,
  responseName: 'virtualmachine',
  params: {
    ipaddress: param
      .string('Static IP address lease for the NIC, in the range of the network')
      .maxLength(IPADDRESS_MAX),
    networkid: param.uuid('The ID of the network').required(),
    virtualmachineid: param.uuid('The ID of the virtual machine').required(),
  },
  async handle(core, ctx, p) {
    const r = await core.nics.add(ctx, p.virtualmachineid, p.networkid, p.ipaddress || undefined);
    return job(r.taskId, r.objectId);
  },
});

/** removeNicFromVirtualMachine. */
export const removeNicFromVirtualMachine = command({
  name: 'removeNicFromVirtualMachine',
  description: 'Removes VM from specified network by deleting a NIC',
  isAsync: true,
  responseName: 'virtualmachine',
  params: {
    nicid: param.uuid('The ID of NIC').required(),
    virtualmachineid: param.uuid('The ID of the virtual machine').required(),
  },
  async handle(core, ctx, p) {
    const r = await core.nics.remove(ctx, p.virtualmachineid, p.nicid);
    return job(r.taskId, r.objectId);
  },
});

/** updateVmNicIp: without ipaddress the NIC's lease is removed. */
export const updateVmNicIp = command({
  name: 'updateVmNicIp',
  description: 'Update the default Ip of a VM Nic',
  isAsync: true,
  responseName: 'virtualmachine',
  params: {
    ipaddress: param
      .string('Static IP address lease for the NIC; if absent, the lease of the NIC is removed')
      .maxLength(IPADDRESS_MAX),
    nicid: param.uuid('the ID of the nic').required(),
  },
  async handle(core, ctx, p) {
    const r = await core.nics.updateIp(ctx, p.nicid, p.ipaddress || undefined);
    return job(r.taskId, r.objectId);
  },
});
