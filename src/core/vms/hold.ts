/** Operator holds on a VM: suspend (powered off, cannot be started by its owner), unsuspend, and terminate (final). */
import type { CoreDeps } from '../deps.js';
import type { VmRow } from '../../store/schema.js';
import { conflict, notFound } from '../../lib/errors.js';
import { nowIso } from '../../lib/util.js';
import { releaseHost } from '../hosts/placement.js';
import type { Q } from '../../store/db.js';
import { systemContext } from '../../lib/context.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import type { VmState } from './model.js';

/** A VM's serial and state after an operator action, and the receipt of the finished task that recorded it. */
export interface HoldResult {
  serial: number;
  id: string;
  state: VmState;
  receipt: TaskReceipt;
}

/** Suspends, unsuspends and terminates VMs by serial; every dialect then shows the new state. */
export class VmHold {
  constructor(private readonly deps: CoreDeps) {}

  /** Powers the VM off (forced) and marks it suspended; lifecycle calls refuse a suspended VM. */
  suspend(serial: number): Promise<HoldResult> {
    return this.park(serial, ['running', 'stopped', 'error'], 'suspended', 'suspend');
  }

  /** Powers the VM off (forced) and marks it terminated, for good. */
  terminate(serial: number): Promise<HoldResult> {
    return this.park(serial, ['running', 'stopped', 'error', 'suspended'], 'terminated', 'terminate');
  }

  /** Returns a suspended VM to stopped; its owner may start it again. */
  async unsuspend(serial: number): Promise<HoldResult> {
    const vm = await this.bySerial(serial);
    return this.deps.store.tx(async (trx) => {
      const r = await trx
        .updateTable('vms')
        .set({ state: 'stopped', updated_at: nowIso() })
        .where('id', '=', vm.id)
        .where('state', '=', 'suspended')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw conflict(`VPS ${serial} is not suspended`, 'wrong_state');
      const receipt = await this.record(trx, vm, 'unsuspend');
      return { serial, id: vm.id, state: 'stopped' as const, receipt };
    });
  }

  private async park(serial: number, from: VmState[], to: VmState, action: string): Promise<HoldResult> {
    const vm = await this.bySerial(serial);
    const state = vm.state as VmState;
    if (!from.includes(state)) throw conflict(`VPS ${serial} cannot be ${to}: it is ${state}`, 'wrong_state');
    await this.deps.store.tx(async (trx) => {
      const busy = await trx
        .selectFrom('tasks')
        .select('id')
        .where('object_id', '=', vm.id)
        .where('exclusive', '=', 1)
        .where('status', 'in', ['PENDING', 'STARTED'])
        .executeTakeFirst();
      if (busy) throw conflict(`VPS ${serial} is busy with another operation`, 'busy');
      const r = await trx
        .updateTable('vms')
        .set({ state: 'stopping', updated_at: nowIso() })
        .where('id', '=', vm.id)
        .where('state', '=', state)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) {
        const now = await trx.selectFrom('vms').select('state').where('id', '=', vm.id).executeTakeFirst();
        throw conflict(
          `VPS ${serial} is busy with another operation (it is ${now?.state ?? 'gone'}); try again when it has finished`,
          'busy',
        );
      }
    });
    try {
      await this.deps.driver?.stop(vm.id, { force: true });
    } catch (err) {
      await this.deps.store.db
        .updateTable('vms')
        .set({ state, updated_at: nowIso() })
        .where('id', '=', vm.id)
        .execute();
      throw err;
    }
    const receipt = await this.deps.store.tx(async (trx) => {
      if (vm.host_id)
        await trx.updateTable('vm_traffic').set({ last_host_id: vm.host_id }).where('vm_id', '=', vm.id).execute();
      await releaseHost(trx, vm);
      await trx
        .updateTable('vms')
        .set({ state: to, power: 'stopped', updated_at: nowIso() })
        .where('id', '=', vm.id)
        .execute();
      return this.record(trx, vm, action);
    });
    return { serial, id: vm.id, state: to, receipt };
  }

  /** Records an operator action on the VM as one finished task of its account. */
  private record(q: Q, vm: VmRow, action: string): Promise<TaskReceipt> {
    return recordSyncChange(q, {
      objectType: 'virtual machine',
      objectId: vm.id,
      ctx: systemContext(vm.account_id, 'system', 'operator'),
      payload: { action },
    });
  }

  private async bySerial(serial: number): Promise<VmRow> {
    const vm = await this.deps.store.db
      .selectFrom('vms')
      .selectAll()
      .where('serial', '=', serial)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (!vm) throw notFound('VPS', String(serial), 'vm');
    return vm;
  }
}
