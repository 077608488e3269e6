/** VmLifecycle: power and rebuild operations, each a state change plus a task written in one transaction. */
import type { Q } from '../../store/db.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid } from '../../lib/errors.js';
import { nowIso, randomToken } from '../../lib/util.js';
import { enqueueTask } from '../../tasks/queue.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import type { TaskKind } from '../../tasks/kinds.js';
import type { VmState } from './model.js';
import { vmRow } from './rows.js';
import { encryptForKey } from '../ssh-keys/crypto.js';
import { rootDiskBytes } from './rules.js';
import { reserveQuota } from '../quotas/service.js';

const BUSY: VmState[] = ['creating', 'starting', 'stopping', 'rebooting', 'restoring', 'destroying'];

/** Starts, stops, reboots, destroys, restores and resizes VMs for VmService. */
export class VmLifecycle {
  constructor(private readonly deps: CoreDeps) {}

  /** Moves a VM from one of `from` to `to` and enqueues the task that carries it out. */
  private async transition(
    ctx: CallContext,
    id: string,
    from: VmState[],
    to: VmState,
    kind: TaskKind,
    payload: Record<string, unknown> = {},
    verb = kind.split('.')[1],
    check?: (trx: Q) => Promise<void>,
  ): Promise<TaskReceipt> {
    const { store } = this.deps;
    const taskId = await store.tx(async (trx) => {
      for (let attempt = 0; ; attempt++) {
        const state = (await vmRow(trx, ctx, id)).state as VmState;
        if (!from.includes(state)) {
          throw BUSY.includes(state)
            ? conflict(
                `The virtual machine is busy (${state}); try again when the current operation has finished`,
                'busy',
              )
            : conflict(`Cannot ${verb} a virtual machine that is ${state}`, 'wrong_state');
        }
        if (check) await check(trx);
        const r = await trx
          .updateTable('vms')
          .set({ state: to, updated_at: nowIso() })
          .where('id', '=', id)
          .where('state', '=', state)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) > 0) {
          return enqueueTask(store, trx, {
            kind,
            objectType: 'virtual machine',
            objectId: id,
            payload: { ...payload, from: state },
            ctx,
          });
        }
        // A concurrent call changed the state first (PostgreSQL): answer as if this call had come after it.
        if (attempt >= 2)
          throw conflict('The virtual machine is busy with another operation; try again when it has finished', 'busy');
      }
    });
    this.deps.tasks.wake();
    return { taskId, objectId: id };
  }

  /** Starts a stopped VM (placing it on a host). */
  start(ctx: CallContext, id: string): Promise<TaskReceipt> {
    return this.transition(ctx, id, ['stopped'], 'starting', 'vm.start');
  }

  /** Stops a running VM; force skips the graceful shutdown. */
  stop(ctx: CallContext, id: string, force = false): Promise<TaskReceipt> {
    return this.transition(ctx, id, ['running', 'error'], 'stopping', 'vm.stop', { force });
  }

  /** Reboots a running VM. */
  reboot(ctx: CallContext, id: string): Promise<TaskReceipt> {
    return this.transition(ctx, id, ['running'], 'rebooting', 'vm.reboot');
  }

  /** Destroys a VM: its root volume and addresses are released and data volumes detached. */
  destroy(ctx: CallContext, id: string, expunge = true): Promise<TaskReceipt> {
    return this.transition(ctx, id, ['running', 'stopped', 'error'], 'destroying', 'vm.destroy', { expunge });
  }

  /** Rebuilds the root volume from the template (or a new one), keeping the VM's power state. */
  async restore(ctx: CallContext, id: string, templateId?: string, rootDiskSizeGb?: number): Promise<TaskReceipt> {
    const vm = await vmRow(this.deps.store.db, ctx, id);
    const template = await this.deps.catalog.template(ctx, templateId ?? vm.template_id);
    if (template.zone_id && template.zone_id !== vm.zone_id)
      throw invalid(`Template ${template.name} is not available in the zone of the virtual machine`, 'templateId');
    if (template.ready !== 1) throw invalid(`Template ${template.name} is not ready`, 'templateId');
    const size = rootDiskBytes(rootDiskSizeGb, Number(template.size));
    return this.transition(
      ctx,
      id,
      ['running', 'stopped'],
      'restoring',
      'vm.restore',
      { templateId: template.id, size },
      undefined,
      async (trx) => {
        const root = await trx
          .selectFrom('volumes')
          .select('size')
          .where('vm_id', '=', id)
          .where('type', '=', 'ROOT')
          .where('removed_at', 'is', null)
          .executeTakeFirst();
        await reserveQuota(this.deps, trx, ctx.accountId, { storageBytes: size - Number(root?.size ?? 0) });
      },
    );
  }

  /** Changes the service offering of a stopped VM synchronously; recorded as one finished task. */
  async changeOffering(ctx: CallContext, id: string, offeringId: string): Promise<TaskReceipt> {
    const offering = await this.deps.catalog.serviceOffering(offeringId);
    if (offering.authorized !== 1)
      throw invalid(`Service offering ${offering.name} is not authorized for this account`, 'offeringId');
    return this.deps.store.tx(async (trx) => {
      const vm = await vmRow(trx, ctx, id);
      if (vm.state !== 'stopped')
        throw conflict(
          `The virtual machine must be stopped to change its service offering (it is ${vm.state})`,
          'wrong_state',
        );
      const busy = await trx
        .selectFrom('tasks')
        .select('id')
        .where('object_id', '=', id)
        .where('exclusive', '=', 1)
        .where('status', 'in', ['PENDING', 'STARTED'])
        .executeTakeFirst();
      if (busy) throw conflict('The virtual machine is busy with another operation', 'busy');
      await reserveQuota(this.deps, trx, ctx.accountId, {
        cpus: offering.cpu_number - Number(vm.cpu_number),
        memoryMb: offering.memory - Number(vm.memory),
      });
      await trx
        .updateTable('vms')
        .set({
          service_offering_id: offering.id,
          cpu_number: offering.cpu_number,
          cpu_speed: offering.cpu_speed,
          memory: offering.memory,
          updated_at: nowIso(),
        })
        .where('id', '=', id)
        .execute();
      return recordSyncChange(trx, {
        objectType: 'virtual machine',
        objectId: id,
        ctx,
        payload: { action: 'change_offering', offeringId },
        result: { type: 'vm', id },
      });
    });
  }

  /** Sets a new password on a stopped VM whose template supports it; the task result carries it once. */
  async resetPassword(ctx: CallContext, id: string): Promise<TaskReceipt> {
    // The template is read before the transaction: on SQLite a query outside it would wait for its single connection.
    const before = await vmRow(this.deps.store.db, ctx, id);
    const tpl = await this.deps.catalog.templateForDisplay(before.template_id);
    return this.deps.store.tx(async (trx) => {
      const vm = await vmRow(trx, ctx, id);
      if (vm.template_id !== before.template_id)
        throw conflict('The virtual machine changed meanwhile; try again', 'busy');
      if (tpl?.password_enabled !== 1)
        throw invalid('The template of this virtual machine does not support password reset', 'id');
      if (vm.state !== 'stopped')
        throw conflict(`The virtual machine must be stopped to reset its password (it is ${vm.state})`, 'wrong_state');
      const password = randomToken(9).replace(/[-_]/g, 'x').slice(0, 12);
      const enc = this.deps.secrets.encrypt(password);
      await trx.updateTable('vms').set({ password_enc: enc, updated_at: nowIso() }).where('id', '=', id).execute();
      return recordSyncChange(trx, {
        objectType: 'virtual machine',
        objectId: id,
        ctx,
        payload: { action: 'reset_password' },
        result: { type: 'vm', id, passwordEnc: enc },
      });
    });
  }

  /** The VM's password encrypted with its RSA SSH key and base64-encoded, as getVMPassword answers. */
  async encryptedPassword(ctx: CallContext, id: string): Promise<string> {
    const vm = await vmRow(this.deps.store.db, ctx, id);
    if (!vm.password_enc) throw invalid('No password for this virtual machine', 'id');
    if (!vm.keypair) throw invalid('The virtual machine has no SSH key pair to encrypt its password with', 'id');
    const kp = await this.deps.store.db
      .selectFrom('ssh_keys')
      .select('public_key')
      .where('account_id', '=', ctx.accountId)
      .where('name', '=', vm.keypair)
      .executeTakeFirst();
    if (!kp) throw invalid(`The key pair ${vm.keypair} of this virtual machine no longer exists`, 'id');
    return encryptForKey(kp.public_key, this.deps.secrets.decrypt(vm.password_enc));
  }

  /** Decrypts a password stored in a task result, for the one answer that reveals it. */
  revealPassword(enc: string): string {
    return this.deps.secrets.decrypt(enc);
  }
}
