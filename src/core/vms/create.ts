/** Creating a VM, for every dialect: from an offering and a template, or by explicit size from existing volumes. */
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { unavailable } from '../../lib/errors.js';
import { orderedId, nowIso } from '../../lib/util.js';
import { enqueueTask } from '../../tasks/queue.js';
import { bumpLiveVms } from './counts.js';
import { reserveQuota } from '../quotas/service.js';
import { requestedSecurityGroups } from './rows.js';
import { insertNewNics } from './new-nics.js';
import { nextSerial } from '../../store/vm-serials.js';
import { attachDrives, checkServerName, sizeOf, volumeOf, type VmSize } from './sized.js';
import { chooseMac, isMacClash, parseMac, unusableMac } from './macs.js';
import { encodeExtras } from './extras.js';
import { fromOffering } from './create-many.js';
import type { VmCreateInput, VmCreated } from './create-input.js';

export type { VmCreateInput, VmCreated } from './create-input.js';

/** Creates a VM (offering path or size path, see VmCreateInput) and enqueues vm.create. */
export async function createVm(deps: CoreDeps, ctx: CallContext, input: VmCreateInput): Promise<VmCreated> {
  const created = input.size ? await bySize(deps, ctx, input, input.size) : await fromOffering(deps, ctx, input);
  deps.tasks.wake();
  return created;
}

async function bySize(deps: CoreDeps, ctx: CallContext, input: VmCreateInput, wanted: VmSize): Promise<VmCreated> {
  const { store, catalog } = deps;
  const display = checkServerName(input.name ?? '');
  const size = sizeOf(wanted.cpuMhz ?? 1000, wanted.cpuCount ?? 'auto', wanted.memoryMb ?? 512);
  const zone = input.zoneId ? await catalog.zone(input.zoneId) : (await catalog.listZones())[0];
  const offering = (await catalog.listServiceOfferings())[0];
  if (!zone || !offering) throw unavailable('No zone or service offering is configured', 'not_configured');
  const id = orderedId();
  const mac = input.macAddress;
  const taskId = await store
    .tx(async (trx) => {
      await reserveQuota(deps, trx, ctx.accountId, { vms: 1, cpus: size.cpuCount, memoryMb: size.memoryMb });
      const firstVolume = input.drives?.[0] ? await volumeOf(trx, ctx, input.drives[0].volumeId) : undefined;
      const template =
        firstVolume?.template_id ??
        (
          await trx
            .selectFrom('templates')
            .select('id')
            .where('public', '=', 1)
            .where('removed_at', 'is', null)
            .orderBy('created_at')
            .executeTakeFirst()
        )?.id;
      if (!template) throw unavailable('No template is configured', 'not_configured');
      const serial = await nextSerial(trx, store.kind);
      await bumpLiveVms(trx, store.kind, ctx.accountId, 1);
      const now = nowIso();
      await trx
        .insertInto('vms')
        .values({
          id,
          serial,
          account_id: ctx.accountId,
          zone_id: zone.id,
          host_id: null,
          name: `server-${serial}`,
          display_name: display,
          group_name: null,
          state: 'creating',
          power: 'stopped',
          service_offering_id: offering.id,
          template_id: template,
          cpu_number: size.cpuCount,
          cpu_speed: size.mhzPerCore,
          memory: size.memoryMb,
          keypair: null,
          userdata: null,
          password_enc: null,
          ha_enable: 0,
          display_vm: 1,
          root_disk_size: 0,
          created_at: now,
          updated_at: now,
          removed_at: null,
        })
        .execute();
      await attachDrives(trx, ctx, id, zone.id, input.drives ?? []);
      await insertNewNics(trx, [{ vmId: id, accountId: ctx.accountId, zoneId: zone.id, serial }], nowIso());
      if (mac) await chooseMac(trx, id, mac);
      // A server made by size joins only the security groups (firewalls) it names.
      const groups = await requestedSecurityGroups(trx, ctx, input);
      for (const g of groups) await trx.insertInto('vm_security_groups').values({ vm_id: id, group_id: g }).execute();
      const attrs = encodeExtras(
        { cpuCountAuto: false, attrs: {} },
        input.extras,
        size.cpuCountAuto,
        input.consolePassword,
        deps.secrets,
      );
      await trx.insertInto('vm_extras').values({ vm_id: id, attrs }).execute();
      return enqueueTask(store, trx, {
        kind: 'vm.create',
        objectType: 'virtual machine',
        objectId: id,
        payload: { start: false },
        ctx,
        fresh: true,
      });
    })
    .catch((err: unknown) => {
      throw mac && isMacClash(err) ? unusableMac(parseMac(mac)) : err;
    });
  return { receipt: { taskId, objectId: id }, password: null };
}
