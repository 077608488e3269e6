/** The VPS as the DanubeData API shows it: the core VM in the API's words (status, profile, image, datacenter, costs). */
import { Type } from '@sinclair/typebox';
import { nullable } from './nullable.js';
import type { VmState, VmView } from '../../core/vms/model.js';
import { planOfVm, type Plan } from './plans.js';

/** The API's VPS statuses. */
export type VpsStatus =
  | 'pending'
  | 'provisioning'
  | 'starting'
  | 'running'
  | 'stopping'
  | 'stopped'
  | 'rebooting'
  | 'restoring'
  | 'reinstalling'
  | 'error'
  | 'destroying';

/** Core VM state → API status. */
const STATUS: Record<VmState, VpsStatus> = {
  defined: 'pending',
  creating: 'provisioning',
  starting: 'starting',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped',
  rebooting: 'rebooting',
  restoring: 'restoring',
  destroying: 'destroying',
  destroyed: 'destroying',
  error: 'error',
  suspended: 'stopped',
  terminated: 'destroying',
};

/** Statuses on the way to another. */
const TRANSITIONAL = new Set<VpsStatus>([
  'pending',
  'provisioning',
  'starting',
  'stopping',
  'rebooting',
  'restoring',
  'reinstalling',
  'destroying',
]);

/** The colour of each status, as the web console paints it. */
const COLOR: Record<VpsStatus, string> = {
  pending: 'yellow',
  provisioning: 'yellow',
  starting: 'blue',
  running: 'green',
  stopping: 'orange',
  stopped: 'gray',
  rebooting: 'blue',
  restoring: 'blue',
  reinstalling: 'blue',
  error: 'red',
  destroying: 'red',
};

/** Datacenter names the API uses for Nube zones, and back. */
const DC_OF_ZONE: Record<string, string> = { 'de-fra-1': 'fsn1' };

/** The API datacenter name of a zone. */
export function datacenterOf(zoneName: string): string {
  return DC_OF_ZONE[zoneName] ?? zoneName;
}

/** The zone name a datacenter names (fsn1 is de-fra-1; zone names are accepted as they are). */
export function zoneOfDatacenter(dc: string): string {
  return Object.entries(DC_OF_ZONE).find(([, d]) => d === dc)?.[0] ?? dc;
}

/** The status of a VM. */
export function statusOf(vm: VmView): VpsStatus {
  return STATUS[vm.state] ?? 'error';
}

/** What a VPS in this status may do next. */
export function abilities(status: VpsStatus) {
  return {
    can_be_started: status === 'stopped',
    can_be_stopped: status === 'running',
    can_be_rebooted: status === 'running',
    can_be_destroyed: status !== 'destroying',
  };
}

/** The word capitalised, as status_label shows it. */
function label(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The `status` answer of GET /vps/{id}/status. */
export function statusAnswer(vm: VmView) {
  const status = statusOf(vm);
  return {
    status,
    status_label: label(status),
    status_color: COLOR[status],
    ...abilities(status),
    is_transitional: TRANSITIONAL.has(status),
    updated_at: vm.updated,
  };
}

/** The status_details object: summary, health and the state of the operation in flight (also the status of a diagnosis). */
export function statusDetails(vm: VmView, status: VpsStatus) {
  const moving = TRANSITIONAL.has(status);
  const summary =
    status === 'running'
      ? 'ready'
      : status === 'stopped'
        ? 'stopped'
        : status === 'error'
          ? 'failed'
          : status === 'destroying'
            ? 'deleting'
            : status === 'pending'
              ? 'pending'
              : 'in_progress';
  return {
    summary,
    health: status === 'running' ? 'healthy' : status === 'error' ? 'unhealthy' : 'unknown',
    observed_at: vm.updated,
    stale: false,
    operation: { state: moving ? 'running' : status === 'error' ? 'failed' : 'succeeded', terminal: !moving },
    error:
      status === 'error'
        ? {
            code: 'vps.error',
            source: 'hypervisor',
            resource: { kind: 'vm', name: vm.name },
            reason: 'error',
            message: 'The VPS is in an error state; destroy it or reinstall it.',
            retryable: false,
            observed_at: vm.updated,
          }
        : null,
  };
}

/** Addresses of a VM: its default NIC's public addresses and the first other NIC's private one. */
export function addressesOf(vm: VmView) {
  const main = vm.nics.find((n) => n.isDefault) ?? vm.nics[0];
  const other = vm.nics.find((n) => n !== main);
  return { publicIp: main?.ipAddress ?? null, ipv6: main?.ip6Address ?? null, privateIp: other?.ipAddress ?? null };
}

/** What a VPS view needs besides the VM. */
export interface VpsContext {
  teamId: number;
  /** Integer ids of the account's SSH keys by name. */
  sshKeyIds: Map<string, number>;
  /** API image ids by template id. */
  imageIds: Map<string, string>;
}

/** The plan a VM runs on (matching offering and disk size first). */
export function planOf(vm: VmView): Plan | undefined {
  const gb = Math.round(vm.rootDiskSize / 1024 ** 3);
  return planOfVm(vm.offeringName, gb);
}

/** A VM as a VpsInstanceResource. */
export function vpsOf(vm: VmView, c: VpsContext) {
  const status = statusOf(vm);
  const plan = planOf(vm);
  const a = addressesOf(vm);
  const cents = plan?.monthlyCents ?? 0;
  return {
    id: vm.id,
    name: vm.displayName || vm.name,
    status,
    status_label: label(status),
    status_details: statusDetails(vm, status),
    capabilities: { logs: false, events: true, diagnose: true },
    resource_profile: plan?.slug ?? vm.offeringName.toLowerCase(),
    cpu_allocation_type: plan?.type ?? 'shared',
    cpu_cores: vm.cpuCount,
    memory_size_gb: Math.round((vm.memoryMb / 1024) * 100) / 100,
    storage_size_gb: Math.round(vm.rootDiskSize / 1024 ** 3),
    image: c.imageIds.get(vm.templateId) ?? vm.templateName,
    datacenter: datacenterOf(vm.zoneName),
    public_ip: a.publicIp,
    ipv6_address: a.ipv6,
    vnc_access_url: null,
    monthly_cost_cents: cents,
    monthly_cost_dollars: cents / 100,
    deployed_at: vm.state === 'defined' || vm.state === 'creating' ? null : vm.created,
    created_at: vm.created,
    updated_at: vm.updated,
    team_id: c.teamId,
    user_id: null,
    ssh_key_id: vm.sshKeyName ? (c.sshKeyIds.get(vm.sshKeyName) ?? null) : null,
    ...abilities(status),
  };
}

/** The VpsInstanceResource schema. */
export const VpsInstance = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: Type.String(),
  status_label: Type.String(),
  status_details: Type.Object({
    summary: Type.String(),
    health: Type.String(),
    observed_at: nullable(Type.String()),
    stale: Type.Boolean(),
    operation: Type.Object({ state: Type.String(), terminal: Type.Boolean() }),
    error: nullable(
      Type.Object({
        code: Type.String(),
        source: nullable(Type.String()),
        resource: Type.Object({ kind: Type.String(), name: Type.String() }),
        reason: Type.String(),
        message: Type.String(),
        retryable: Type.Boolean(),
        observed_at: Type.String(),
      }),
    ),
  }),
  capabilities: Type.Object({ logs: Type.Boolean(), events: Type.Boolean(), diagnose: Type.Boolean() }),
  resource_profile: Type.String(),
  cpu_allocation_type: Type.String(),
  cpu_cores: Type.Integer(),
  memory_size_gb: Type.Number(),
  storage_size_gb: Type.Integer(),
  image: Type.String(),
  datacenter: Type.String(),
  public_ip: nullable(Type.String()),
  ipv6_address: nullable(Type.String()),
  vnc_access_url: nullable(Type.String()),
  monthly_cost_cents: Type.Integer(),
  monthly_cost_dollars: Type.Number(),
  deployed_at: nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
  team_id: Type.Integer(),
  user_id: nullable(Type.Integer()),
  ssh_key_id: nullable(Type.Integer()),
  can_be_started: Type.Boolean(),
  can_be_stopped: Type.Boolean(),
  can_be_rebooted: Type.Boolean(),
  can_be_destroyed: Type.Boolean(),
});
