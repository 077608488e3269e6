/** Job results: the one table from a finished task's stored result `type` to the view that renders CloudStack's `jobresult`. */
import type { Core } from '../../core/core.js';
import type { CallContext } from '../../lib/context.js';
import { affinityGroupResult } from './views/affinity-group.js';
import { networkResult } from './views/network.js';
import { nicResult, nicSecondaryIpResult } from './views/nic.js';
import { ipAddressResult } from './views/public-ip.js';
import { securityGroupResult } from './views/security-group.js';
import { registeredTemplateResult } from './views/template.js';
import { vmResult } from './views/vm.js';
import { snapshotResult, volumeResult } from './views/volume.js';

/** What core stores as a task's result (`{type, ...}`), by type; a new type needs a renderer below before this compiles. */
interface TaskResults {
  success: object;
  vm: { id: string; passwordEnc?: string };
  volume: { id: string };
  snapshot: { id: string };
  network: { id: string };
  nic: { id: string; vmId?: string };
  secondaryIp: { id: string; ipAddress?: string; nicId?: string; networkId?: string; vmId?: string };
  publicIp: { id: string; address?: string; zoneId?: string };
  securityGroup: { id: string; ruleIds?: string[] };
  affinityGroup: { id: string };
  template: { id: string };
}

/** Renders one type of stored result as the `jobresult` object. */
type ResultRenderer<T extends keyof TaskResults> = (
  core: Core,
  ctx: CallContext,
  result: TaskResults[T],
) => Promise<Record<string, unknown>>;

const RENDERERS: { readonly [T in keyof TaskResults]: ResultRenderer<T> } = {
  success: async () => ({ success: true }),
  vm: vmResult,
  volume: volumeResult,
  snapshot: snapshotResult,
  network: networkResult,
  nic: nicResult,
  secondaryIp: nicSecondaryIpResult,
  publicIp: ipAddressResult,
  securityGroup: securityGroupResult,
  affinityGroup: affinityGroupResult,
  template: registeredTemplateResult,
};

function isResultType(type: unknown): type is keyof TaskResults {
  return typeof type === 'string' && Object.hasOwn(RENDERERS, type);
}

/** The jobresult of a successful task; `{success: true}` for no result, an unknown type, or an object gone since. */
export async function renderResult(
  core: Core,
  ctx: CallContext,
  result: Record<string, unknown> | null,
): Promise<Record<string, unknown>> {
  if (!result || !isResultType(result.type)) return { success: true };
  // The stored JSON is what core wrote for this type, so it has the shape TaskResults declares for it.
  const render = RENDERERS[result.type] as ResultRenderer<keyof TaskResults>;
  try {
    return await render(core, ctx, result as unknown as TaskResults[keyof TaskResults]);
  } catch {
    // The object is gone (e.g. deleted since): the job still succeeded.
    return { success: true };
  }
}
