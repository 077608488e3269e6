/** An affinity group as CloudStack's `affinitygroup` object, and the job result of createAffinityGroup. */
import type { Core } from '../../../core/core.js';
import type { CallContext } from '../../../lib/context.js';
import type { AffinityGroupView } from '../../../core/affinity/service.js';
import { CoreError } from '../../../lib/errors.js';

/** The affinitygroup object, with its live member VMs. */
export function csAffinityGroup(g: AffinityGroupView): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    type: g.type,
    description: g.description,
    account: g.accountName,
    domain: 'ROOT',
    domainid: g.accountId,
    virtualmachineIds: g.vmIds,
  };
}

/** The job result of createAffinityGroup: the group, or its bare id once deleted. */
export async function affinityGroupResult(
  core: Core,
  ctx: CallContext,
  res: { id: string },
): Promise<Record<string, unknown>> {
  try {
    return { affinitygroup: csAffinityGroup(await core.affinity.get(ctx, res.id)) };
  } catch (err) {
    if (err instanceof CoreError && err.kind === 'NotFound')
      return { affinitygroup: { id: res.id, virtualmachineIds: [] } };
    throw err;
  }
}
