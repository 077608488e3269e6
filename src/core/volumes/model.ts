/** Volumes and snapshots as every dialect sees them, assembled from rows in a fixed number of queries. */
import type { Q } from '../../store/db.js';
import type { SnapshotRow, VolumeRow } from '../../store/schema.js';
import type { CatalogService } from '../catalog/service.js';
import type { VmState } from '../vms/model.js';

/** Volume states, in CloudStack's words: Allocated until first attached, Ready afterwards, Destroy once deleted. */
export type VolumeState = 'Allocated' | 'Ready' | 'Destroy';

/** Snapshot states: Creating while the copy runs, BackedUp once done. */
export type SnapshotState = 'Creating' | 'BackedUp';

/** Everything a dialect may show about a volume. */
export interface VolumeView {
  id: string;
  accountId: string;
  accountName: string;
  zoneId: string;
  zoneName: string;
  name: string;
  type: 'ROOT' | 'DATADISK';
  size: number;
  state: VolumeState;
  diskOfferingId: string | null;
  diskOfferingName: string | null;
  diskOfferingDisplayText: string | null;
  templateId: string | null;
  vmId: string | null;
  vmName: string | null;
  vmDisplayName: string | null;
  vmState: VmState | null;
  /** The offering of the VM the volume is attached to. */
  vmOfferingId: string | null;
  vmOfferingName: string | null;
  deviceId: number | null;
  created: string;
  attached: string | null;
  removed: boolean;
  tags: Array<{ key: string; value: string }>;
}

/** Everything a dialect may show about a snapshot. */
export interface SnapshotView {
  id: string;
  accountId: string;
  accountName: string;
  volumeId: string;
  volumeName: string;
  volumeType: string;
  zoneId: string;
  zoneName: string;
  name: string;
  state: SnapshotState;
  size: number;
  created: string;
  tags: Array<{ key: string; value: string }>;
  /** The snapshot's note ('' when none). */
  note: string;
  /** The snapshot definition (schedule) that took it; null for a snapshot taken by hand. */
  definitionId: string | null;
}

/** Tags of some resources, by resource id. */
async function tagsOf(q: Q, ids: string[]): Promise<Map<string, Array<{ key: string; value: string }>>> {
  const rows = await q
    .selectFrom('tags')
    .select(['resource_id', 'key', 'value'])
    .where('resource_id', 'in', ids)
    .orderBy('key')
    .execute();
  const by = new Map<string, Array<{ key: string; value: string }>>();
  for (const t of rows) {
    const a = by.get(t.resource_id) ?? [];
    a.push({ key: t.key, value: t.value });
    by.set(t.resource_id, a);
  }
  return by;
}

async function accountNames(q: Q, ids: string[]): Promise<Map<string, string>> {
  const rows = await q
    .selectFrom('accounts')
    .select(['id', 'name'])
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((a) => [a.id, a.name]));
}

/** Builds volume views for rows (in order). */
export async function loadVolumeViews(q: Q, catalog: CatalogService, rows: VolumeRow[]): Promise<VolumeView[]> {
  if (rows.length === 0) return [];
  const vmIds = [...new Set(rows.map((r) => r.vm_id).filter((x): x is string => !!x))];
  const [vms, tags, accounts, diskOfferings, serviceOfferings] = await Promise.all([
    vmIds.length
      ? q
          .selectFrom('vms')
          .select(['id', 'name', 'display_name', 'state', 'service_offering_id'])
          .where('id', 'in', vmIds)
          .execute()
      : Promise.resolve([]),
    tagsOf(
      q,
      rows.map((r) => r.id),
    ),
    accountNames(
      q,
      rows.map((r) => r.account_id),
    ),
    catalog.listDiskOfferings(),
    catalog.listServiceOfferings(),
  ]);
  const vmBy = new Map(vms.map((v) => [v.id, v]));
  const doBy = new Map(diskOfferings.map((o) => [o.id, o]));
  const soBy = new Map(serviceOfferings.map((o) => [o.id, o]));
  const views: VolumeView[] = [];
  for (const r of rows) {
    const vm = r.vm_id ? vmBy.get(r.vm_id) : undefined;
    const offering = r.disk_offering_id ? doBy.get(r.disk_offering_id) : undefined;
    const so = vm && r.type === 'ROOT' ? soBy.get(vm.service_offering_id) : undefined;
    views.push({
      id: r.id,
      accountId: r.account_id,
      accountName: accounts.get(r.account_id) ?? '',
      zoneId: r.zone_id,
      zoneName: (await catalog.zoneOrUndefined(r.zone_id))?.name ?? '',
      name: r.name,
      type: r.type as VolumeView['type'],
      size: Number(r.size),
      state: r.state as VolumeState,
      diskOfferingId: r.disk_offering_id,
      diskOfferingName: offering?.name ?? null,
      diskOfferingDisplayText: offering?.display_text ?? null,
      templateId: r.template_id,
      vmId: vm ? vm.id : null,
      vmName: vm?.name ?? null,
      vmDisplayName: vm?.display_name ?? null,
      vmState: (vm?.state as VmState | undefined) ?? null,
      vmOfferingId: so?.id ?? null,
      vmOfferingName: so?.name ?? null,
      deviceId: vm && r.device_id !== null ? Number(r.device_id) : null,
      created: r.created_at,
      attached: vm ? r.attached_at : null,
      removed: r.removed_at !== null,
      tags: tags.get(r.id) ?? [],
    });
  }
  return views;
}

/** Builds snapshot views for rows (in order); the volume row gives the zone and names, even after the volume is deleted. */
export async function loadSnapshotViews(q: Q, catalog: CatalogService, rows: SnapshotRow[]): Promise<SnapshotView[]> {
  if (rows.length === 0) return [];
  const volIds = [...new Set(rows.map((r) => r.volume_id))];
  const [vols, tags, accounts] = await Promise.all([
    q.selectFrom('volumes').select(['id', 'name', 'zone_id']).where('id', 'in', volIds).execute(),
    tagsOf(
      q,
      rows.map((r) => r.id),
    ),
    accountNames(
      q,
      rows.map((r) => r.account_id),
    ),
  ]);
  const volBy = new Map(vols.map((v) => [v.id, v]));
  const views: SnapshotView[] = [];
  for (const r of rows) {
    const vol = volBy.get(r.volume_id);
    views.push({
      id: r.id,
      accountId: r.account_id,
      accountName: accounts.get(r.account_id) ?? '',
      volumeId: r.volume_id,
      volumeName: vol?.name ?? '',
      volumeType: r.volume_type,
      zoneId: vol?.zone_id ?? '',
      zoneName: vol ? ((await catalog.zoneOrUndefined(vol.zone_id))?.name ?? '') : '',
      name: r.name,
      state: r.state as SnapshotState,
      size: Number(r.size),
      created: r.created_at,
      tags: tags.get(r.id) ?? [],
      note: r.note ?? '',
      definitionId: r.definition_id ?? null,
    });
  }
  return views;
}
