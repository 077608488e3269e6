/** Job results: turns a finished task's stored result into the `jobresult` object CloudStack clients read. */
import type { Core } from '../../core/core.js';
import type { CallContext } from '../../lib/context.js';
import { csVm } from './views/vm.js';

/** Renders one kind of stored result ({ type, id, ... }). */
export type ResultRenderer = (core: Core, ctx: CallContext, result: Record<string, any>) => Promise<Record<string, unknown>>;

const RENDERERS = new Map<string, ResultRenderer>();

/** Registers how a result type is shown; each resource's command files register theirs. */
export function registerResult(type: string, render: ResultRenderer): void { RENDERERS.set(type, render); }

/** The jobresult of a successful task. */
export async function renderResult(core: Core, ctx: CallContext, result: Record<string, any> | null): Promise<Record<string, unknown>> {
  if (!result || typeof result.type !== 'string') return { success: true };
  const r = RENDERERS.get(result.type);
  if (!r) return { success: true };
  try {
    return await r(core, ctx, result);
  } catch {
    // The object is gone (e.g. deleted since): the job still succeeded.
    return { success: true };
  }
}

registerResult('success', async () => ({ success: true }));
registerResult('vm', async (core, ctx, res) => {
  const vm = await core.vms.get(ctx, res.id, { includeRemoved: true });
  const password = typeof res.passwordEnc === 'string' ? core.vmLifecycle.revealPassword(res.passwordEnc) : undefined;
  return { virtualmachine: csVm(vm, { password }) };
});
