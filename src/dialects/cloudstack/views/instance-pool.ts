/** An instance pool as Exoscale's `instancepool` object, with its member VMs when a listing asks for them. */
import type { Core } from '../../../core/core.js';
import type { CallContext } from '../../../lib/context.js';
import type { InstancePoolView } from '../../../core/instance-pools/model.js';
import { csVm } from './vm.js';

/** The instancepool object; `virtualmachines` holds the members' virtualmachine objects when given. */
export function csInstancePool(p: InstancePoolView, vms?: Array<Record<string, unknown>>): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    serviceofferingid: p.serviceOfferingId,
    templateid: p.templateId,
    zoneid: p.zoneId,
    size: p.size,
    state: p.state,
    ...(p.rootDiskSizeGb !== null ? { rootdisksize: p.rootDiskSizeGb } : {}),
    ipv6: false,
    ...(p.keyPair ? { keypair: p.keyPair } : {}),
    ...(p.userData ? { userdata: p.userData } : {}),
    securitygroupids: p.securityGroupIds,
    affinitygroupids: p.antiAffinityGroupIds,
    networkids: p.networkIds,
    ...(p.error ? { errortext: p.error } : {}),
    ...(vms ? { virtualmachines: vms } : {}),
  };
}

/** The instancepool objects of pools with their members' virtualmachine objects, read in one VM listing. */
export async function csInstancePools(
  core: Core,
  ctx: CallContext,
  pools: InstancePoolView[],
): Promise<Array<Record<string, unknown>>> {
  const ids = pools.flatMap((p) => p.vmIds);
  const vms = ids.length ? (await core.vms.list(ctx, { ids })).items : [];
  const byId = new Map(vms.map((vm) => [vm.id, csVm(vm)]));
  return pools.map((p) =>
    csInstancePool(
      p,
      p.vmIds.flatMap((id): Array<Record<string, unknown>> => {
        const vm = byId.get(id);
        return vm ? [vm] : [];
      }),
    ),
  );
}
