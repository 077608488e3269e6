/** A NIC as listNics and activateIp6 show it, and the NIC-related job results. */
import type { Core } from '../../../core/core.js';
import type { CallContext } from '../../../lib/context.js';
import type { VmNicView } from '../../../core/nics/service.js';
import { CoreError } from '../../../lib/errors.js';
import { csNic } from './vm.js';

/** The NIC object of a VM, with its IPv6 prefix once activated. */
export function csVmNic(n: VmNicView): Record<string, unknown> {
  return { ...csNic(n, n.vmId), ip6cidr: n.ip6Cidr ?? undefined };
}

/** The job result of activateIp6: the NIC, or what is known of it once removed. */
export async function nicResult(
  core: Core,
  ctx: CallContext,
  res: { id: string; vmId?: string },
): Promise<Record<string, unknown>> {
  try {
    return { nic: csVmNic(await core.nics.get(ctx, res.id, { includeRemoved: true })) };
  } catch (err) {
    // The NIC was removed since: report what is left so listAsyncJobs keeps working.
    if (!(err instanceof CoreError && err.kind === 'NotFound')) throw err;
    return { nic: { id: res.id, virtualmachineid: res.vmId } };
  }
}

/** The job result of addIpToNic: the secondary IP as the task recorded it. */
export async function nicSecondaryIpResult(
  _core: Core,
  _ctx: CallContext,
  res: { id: string; ipAddress?: string; nicId?: string; networkId?: string; vmId?: string },
): Promise<Record<string, unknown>> {
  return {
    nicsecondaryip: {
      id: res.id,
      ipaddress: res.ipAddress,
      nicid: res.nicId,
      networkid: res.networkId,
      virtualmachineid: res.vmId,
    },
  };
}
