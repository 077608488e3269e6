/** Creating a VM from a service offering and a template: checks outside the transaction, rows and task inside one. */
import type { Transaction } from 'kysely';
import type { DB } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid } from '../../lib/errors.js';
import { orderedId, nowIso, randomToken, toFlag } from '../../lib/util.js';
import { enqueueTask } from '../../tasks/queue.js';
import { checkDisplayName, checkHostname, checkUserdata, rootDiskBytes } from './rules.js';
import { bumpLiveVms } from './counts.js';
import { reserveQuota } from '../quotas/service.js';
import { requestedSecurityGroups, resolveGroups } from './rows.js';
import { insertNewNics } from './new-nics.js';
import { nextSerial } from '../../store/vm-serials.js';
import type { VmCreateInput } from './create-input.js';

/** An offering-path VM checked against the catalog, ready to be written in a transaction (see insertOfferingVm). */
export interface PreparedVm {
  id: string;
  name: string;
  zoneId: string;
  offering: { id: string; cpu_number: number; cpu_speed: number; memory: number };
  templateId: string;
  rootSize: number;
  userdata: string | null;
  password: string | null;
}

/** A password the caller chose: 8-128 printable characters, or null for none. */
function chosenPassword(p: string | null): string | null {
  if (p === null) return null;
  if (typeof p !== 'string' || p.length < 8 || p.length > 128 || /[\x00-\x1f\x7f]/.test(p))
    throw invalid('The password must be 8 to 128 printable characters', 'password');
  return p;
}

/** Checks the input against the catalog (read outside any transaction: on SQLite it would wait for the only connection). */
export async function prepareOfferingVm(deps: CoreDeps, ctx: CallContext, input: VmCreateInput): Promise<PreparedVm> {
  const { catalog } = deps;
  const zone = await catalog.zone(input.zoneId ?? '');
  const offering = await catalog.serviceOffering(input.offeringId ?? '');
  if (offering.authorized !== 1)
    throw invalid(`Service offering ${offering.name} is not authorized for this account`, 'offeringId');
  const template = await catalog.template(ctx, input.templateId ?? '');
  if (template.zone_id && template.zone_id !== zone.id)
    throw invalid(`Template ${template.name} is not available in zone ${zone.name}`, 'templateId');
  if (template.ready !== 1) throw invalid(`Template ${template.name} is not ready`, 'templateId');
  const rootSize = rootDiskBytes(input.rootDiskSizeGb, Number(template.size));
  const userdata =
    input.userData !== undefined && input.userData !== '' ? checkUserdata(input.userData, input.userDataMax) : null;
  if (input.displayName !== undefined) checkDisplayName(input.displayName);
  if (input.securityGroupIds?.length && input.securityGroupNames?.length)
    throw invalid('securitygroupids and securitygroupnames are mutually exclusive', 'securityGroupIds');
  if (input.affinityGroupIds?.length && input.affinityGroupNames?.length)
    throw invalid('affinitygroupids and affinitygroupnames are mutually exclusive', 'affinityGroupIds');
  const id = orderedId();
  const name = input.name ?? `VM-${id}`;
  if (input.name !== undefined) checkHostname(input.name);
  const password =
    input.password !== undefined
      ? chosenPassword(input.password)
      : template.password_enabled === 1
        ? randomToken(9).replace(/[-_]/g, 'x').slice(0, 12)
        : null;
  return { id, name, zoneId: zone.id, offering, templateId: template.id, rootSize, userdata, password };
}

/**
 * The lock a create holds on its VM name from the name check to its commit: on PostgreSQL two creates of one name in
 * concurrent transactions would otherwise both find the name free.
 */
export function vmNameLock(accountId: string, name: string): string {
  return `vm-name:${accountId}:${name}`;
}

/** The vms row of a prepared VM with its serial, state creating. */
export function vmValues(
  deps: Pick<CoreDeps, 'secrets'>,
  ctx: CallContext,
  input: VmCreateInput,
  vm: PreparedVm,
  serial: number,
  now: string,
) {
  const { offering, name } = vm;
  return {
    id: vm.id,
    serial,
    account_id: ctx.accountId,
    zone_id: vm.zoneId,
    host_id: null,
    name,
    display_name: input.displayName ?? name,
    group_name: input.group ?? null,
    state: 'creating',
    power: 'stopped',
    service_offering_id: offering.id,
    template_id: vm.templateId,
    cpu_number: offering.cpu_number,
    cpu_speed: offering.cpu_speed,
    memory: offering.memory,
    keypair: input.sshKeyName ?? null,
    userdata: vm.userdata,
    password_enc: vm.password ? deps.secrets.encrypt(vm.password) : null,
    ha_enable: 0,
    display_vm: toFlag(input.displayVm ?? true),
    root_disk_size: vm.rootSize,
    created_at: now,
    updated_at: now,
    removed_at: null,
  };
}

/** The volumes row of a prepared VM's root disk (ROOT-<serial>, from its template). */
export function rootVolumeValues(ctx: CallContext, vm: PreparedVm, serial: number, now: string) {
  return {
    id: orderedId(),
    account_id: ctx.accountId,
    zone_id: vm.zoneId,
    name: `ROOT-${serial}`,
    type: 'ROOT',
    size: vm.rootSize,
    disk_offering_id: null,
    template_id: vm.templateId,
    vm_id: vm.id,
    device_id: 0,
    state: 'Allocated',
    created_at: now,
    attached_at: now,
    removed_at: null,
  };
}

/** The quota a prepared VM takes: one VM and its root volume. */
export function vmDemand(vm: PreparedVm) {
  return { vms: 1, cpus: vm.offering.cpu_number, memoryMb: vm.offering.memory, volumes: 1, storageBytes: vm.rootSize };
}

/** Writes a prepared VM (quota, VM, root volume, NICs, groups) and its vm.create task in the caller's transaction; returns the task id. */
export async function insertOfferingVm(
  deps: CoreDeps,
  trx: Transaction<DB>,
  ctx: CallContext,
  input: VmCreateInput,
  vm: PreparedVm,
): Promise<string> {
  const { store } = deps;
  const { id, name } = vm;
  const now = nowIso();
  await reserveQuota(deps, trx, ctx.accountId, vmDemand(vm));
  if (input.sshKeyName) {
    const kp = await trx
      .selectFrom('ssh_keys')
      .select('id')
      .where('account_id', '=', ctx.accountId)
      .where('name', '=', input.sshKeyName)
      .executeTakeFirst();
    if (!kp) throw invalid(`A key pair named ${input.sshKeyName} does not exist`, 'sshKeyName');
  }
  await store.lock(trx, vmNameLock(ctx.accountId, name));
  const dup = await trx
    .selectFrom('vms')
    .select('id')
    .where('account_id', '=', ctx.accountId)
    .where('name', '=', name)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  if (dup) throw conflict(`A virtual machine named ${name} already exists in this account`, 'exists');
  const sgIds = await requestedSecurityGroups(trx, ctx, input);
  const agIds = await resolveGroups(
    trx,
    ctx,
    'affinity_groups',
    input.affinityGroupIds,
    input.affinityGroupNames,
    'affinitygroup',
    'affinityGroup',
  );
  if (sgIds.length === 0) {
    const def = await trx
      .selectFrom('security_groups')
      .select('id')
      .where('account_id', '=', ctx.accountId)
      .where('name', '=', 'default')
      .executeTakeFirst();
    if (def) sgIds.push(def.id);
  }
  const serial = await nextSerial(trx, store.kind);
  await trx
    .insertInto('vms')
    .values(vmValues(deps, ctx, input, vm, serial, now))
    .execute();
  await trx
    .insertInto('volumes')
    .values(rootVolumeValues(ctx, vm, serial, now))
    .execute();
  await insertNewNics(
    trx,
    [
      {
        vmId: id,
        accountId: ctx.accountId,
        zoneId: vm.zoneId,
        serial,
        networkIds: input.networkIds,
        ip: input.ipAddress,
      },
    ],
    now,
  );
  for (const g of sgIds) await trx.insertInto('vm_security_groups').values({ vm_id: id, group_id: g }).execute();
  for (const g of agIds) await trx.insertInto('vm_affinity_groups').values({ vm_id: id, group_id: g }).execute();
  // Late in the transaction: on PostgreSQL the counter's row stays locked until the commit.
  await bumpLiveVms(trx, store.kind, ctx.accountId, 1);
  return enqueueTask(store, trx, {
    kind: 'vm.create',
    objectType: 'virtual machine',
    objectId: id,
    payload: { start: input.start ?? true },
    ctx,
    fresh: true,
  });
}
