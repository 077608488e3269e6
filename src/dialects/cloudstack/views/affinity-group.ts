/** An affinity group as CloudStack's `affinitygroup` object, and the job result of createAffinityGroup. */
import type { AffinityGroupView } from '../../../core/affinity/service.js';
import { CoreError } from '../../../lib/errors.js';
import { registerResult } from '../results.js';

/** The affinitygroup object, with its live member VMs. */
export function csAffinityGroup(g: AffinityGroupView): Record<string, unknown> {
  return {
    id: g.id, name: g.name, type: g.type, description: g.description, account: g.accountName, domain: 'ROOT', domainid: g.accountId,
    virtualmachineIds: g.vmIds,
  };
}

registerResult('affinitygroup', async (core, ctx, res) => {
  try {
    return { affinitygroup: csAffinityGroup(await core.affinity.get(ctx, res.id)) };
  } catch (err) {
    if (err instanceof CoreError && err.kind === 'NotFound') return { affinitygroup: { id: res.id, virtualmachineIds: [] } };
    throw err;
  }
});
