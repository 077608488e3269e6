/** A NIC as listNics and activateIp6 show it, and the NIC-related job results. */
import type { VmNicView } from '../../../core/ips/nics.js';
import { registerResult } from '../results.js';
import { csNic } from './vm.js';

/** The NIC object of a VM, with its IPv6 prefix once activated. */
export function csVmNic(n: VmNicView): Record<string, unknown> {
  return { ...csNic(n, n.vmId), ip6cidr: n.ip6Cidr ?? undefined };
}

registerResult('nic', async (core, ctx, res) => ({ nic: csVmNic(await core.nics.get(ctx, res.id, { includeRemoved: true })) }));
registerResult('nicsecondaryip', async (_core, _ctx, res) => ({
  nicsecondaryip: { id: res.id, ipaddress: res.ipAddress, nicid: res.nicId, networkid: res.networkId, virtualmachineid: res.vmId },
}));
