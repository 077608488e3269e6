/** Firewalls on VMs: attach and detach (the vm_security_groups link CloudStack lists as a VM's security groups) and deploy. */
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import type { Q } from '../../store/db.js';
import { invalid, notFound } from '../../lib/errors.js';
import { nowIso } from '../../lib/util.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { GROUP_OBJECT, groupById } from './group-rows.js';

/** The caller's live VM, or NotFound (reason vm). */
export async function liveVm(q: Q, ctx: CallContext, vmId: string): Promise<{ id: string; name: string }> {
  const vm = await q
    .selectFrom('vms')
    .select(['id', 'name'])
    .where('id', '=', vmId)
    .where('account_id', '=', ctx.accountId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  if (!vm) throw notFound('virtual machine', vmId, 'vm');
  return vm;
}

/** True when the VM is linked to the group. */
async function linked(q: Q, vmId: string, groupId: string): Promise<boolean> {
  const row = await q
    .selectFrom('vm_security_groups')
    .select('vm_id')
    .where('vm_id', '=', vmId)
    .where('group_id', '=', groupId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Attaches the firewall to one of the caller's VMs (attaching twice changes nothing but is still recorded). */
export function attachFirewall(deps: CoreDeps, ctx: CallContext, id: string, vmId: string): Promise<TaskReceipt> {
  return deps.store.tx(async (trx) => {
    const g = await groupById(trx, ctx, id);
    const vm = await liveVm(trx, ctx, vmId);
    if (!(await linked(trx, vm.id, g.id)))
      await trx.insertInto('vm_security_groups').values({ vm_id: vm.id, group_id: g.id }).execute();
    await trx.updateTable('security_groups').set({ updated_at: nowIso() }).where('id', '=', g.id).execute();
    return recordSyncChange(trx, {
      objectType: GROUP_OBJECT,
      objectId: g.id,
      ctx,
      payload: { action: 'attach', vmId: vm.id },
    });
  });
}

/** Detaches the firewall from one of the caller's VMs; Invalid (vmId) when it is not attached there. */
export function detachFirewall(deps: CoreDeps, ctx: CallContext, id: string, vmId: string): Promise<TaskReceipt> {
  return deps.store.tx(async (trx) => {
    const g = await groupById(trx, ctx, id);
    const vm = await liveVm(trx, ctx, vmId);
    if (!(await linked(trx, vm.id, g.id)))
      throw invalid(`The firewall ${g.name} is not attached to ${vm.name}.`, 'vmId');
    await trx.deleteFrom('vm_security_groups').where('vm_id', '=', vm.id).where('group_id', '=', g.id).execute();
    await trx.updateTable('security_groups').set({ updated_at: nowIso() }).where('id', '=', g.id).execute();
    return recordSyncChange(trx, {
      objectType: GROUP_OBJECT,
      objectId: g.id,
      ctx,
      payload: { action: 'detach', vmId: vm.id },
    });
  });
}

/** Deploys the firewall's rules to the VMs it is attached to: its status becomes active, and the task log records it. */
export function deployFirewall(deps: CoreDeps, ctx: CallContext, id: string): Promise<TaskReceipt> {
  return deps.store.tx(async (trx) => {
    const g = await groupById(trx, ctx, id);
    await trx
      .updateTable('security_groups')
      .set({ status: 'active', updated_at: nowIso() })
      .where('id', '=', g.id)
      .execute();
    return recordSyncChange(trx, { objectType: GROUP_OBJECT, objectId: g.id, ctx, payload: { action: 'deploy' } });
  });
}
