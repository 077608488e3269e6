/** Volumes and snapshots as CloudStack's `volume` and `snapshot` objects, and their job result renderers. */
import type { Core } from '../../../core/core.js';
import type { CallContext } from '../../../lib/context.js';
import type { SnapshotView, VolumeView } from '../../../core/volumes/model.js';
import { csDate, csTags } from './common.js';
import { csVmState } from './vm.js';

/** The volume object; `state` is Allocated or Ready, which libcloud reads as AVAILABLE (INUSE with a virtualmachineid). */
export function csVolume(v: VolumeView): Record<string, unknown> {
  return {
    id: v.id,
    name: v.name,
    zoneid: v.zoneId,
    zonename: v.zoneName,
    type: v.type,
    size: v.size,
    state: v.state,
    virtualmachineid: v.vmId ?? undefined,
    vmname: v.vmName ?? undefined,
    vmdisplayname: v.vmDisplayName ?? undefined,
    vmstate: v.vmState ? csVmState(v.vmState) : undefined,
    deviceid: v.deviceId ?? undefined,
    diskofferingid: v.diskOfferingId ?? undefined,
    diskofferingname: v.diskOfferingName ?? undefined,
    diskofferingdisplaytext: v.diskOfferingDisplayText ?? undefined,
    serviceofferingid: v.vmOfferingId ?? undefined,
    serviceofferingname: v.vmOfferingName ?? undefined,
    templateid: v.type === 'ROOT' ? (v.templateId ?? undefined) : undefined,
    created: csDate(v.created),
    attached: csDate(v.attached),
    account: v.accountName,
    domain: 'ROOT',
    domainid: v.accountId,
    storagetype: 'local',
    storage: 'local',
    hypervisor: 'KVM',
    provisioningtype: 'thin',
    destroyed: v.removed,
    isextractable: true,
    quiescevm: false,
    displayvolume: true,
    tags: csTags(v.tags, 'Volume', v.id, v.accountName),
  };
}

/** The snapshot object; a manual snapshot is BackedUp once its copy finished. */
export function csSnapshot(s: SnapshotView): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    volumeid: s.volumeId,
    volumename: s.volumeName,
    volumetype: s.volumeType,
    state: s.state,
    created: csDate(s.created),
    intervaltype: 'MANUAL',
    snapshottype: 'MANUAL',
    account: s.accountName,
    domain: 'ROOT',
    domainid: s.accountId,
    zoneid: s.zoneId,
    zonename: s.zoneName,
    size: s.size,
    physicalsize: s.size,
    virtualsize: s.size,
    revertable: true,
    locationtype: 'PRIMARY',
    tags: csTags(s.tags, 'Snapshot', s.id, s.accountName),
  };
}

/** The job result of a volume command: the volume, even once deleted. */
export async function volumeResult(
  core: Core,
  ctx: CallContext,
  res: { id: string },
): Promise<Record<string, unknown>> {
  return { volume: csVolume(await core.volumes.get(ctx, res.id, { includeRemoved: true })) };
}

/** The job result of createSnapshot and revertSnapshot: the snapshot, even once deleted. */
export async function snapshotResult(
  core: Core,
  ctx: CallContext,
  res: { id: string },
): Promise<Record<string, unknown>> {
  return { snapshot: csSnapshot(await core.snapshots.get(ctx, res.id, { includeRemoved: true })) };
}
