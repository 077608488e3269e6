/** A NIC as listNics and activateIp6 show it, and the NIC-related job results. */
import type { VmNicView } from '../../../core/ips/nics.js';
import { CoreError } from '../../../lib/errors.js';
import { registerResult } from '../results.js';
import { csNic } from './vm.js';

/** The NIC object of a VM, with its IPv6 prefix once activated. */
export function csVmNic(n: VmNicView): Record<string, unknown> {
  return { ...csNic(n, n.vmId), ip6cidr: n.ip6Cidr ?? undefined };
}

registerResult('nic', async (core, ctx, res) => {
  try {
    return { nic: csVmNic(await core.nics.get(ctx, res.id, { includeRemoved: true })) };
  } catch (err) {
    // The NIC was removed since: report what is left so listAsyncJobs keeps working.
    if (!(err instanceof CoreError && err.kind === 'NotFound')) throw err;
    return { nic: { id: res.id, virtualmachineid: res.vmId } };
  }
});
registerResult('nicsecondaryip', async (_core, _ctx, res) => ({
  nicsecondaryip: { id: res.id, ipaddress: res.ipAddress, nicid: res.nicId, networkid: res.networkId, virtualmachineid: res.vmId },
}));
