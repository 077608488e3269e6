/** A VM as CloudStack's `virtualmachine` object, and the job result of the commands that change a VM. */
import type { Core } from '../../../core/core.js';
import type { CallContext } from '../../../lib/context.js';
import type { VmState, VmView } from '../../../core/vms/model.js';
import { csDate, csTags } from './common.js';

const STATE: Record<VmState, string> = {
  defined: 'Stopped',
  creating: 'Starting',
  starting: 'Starting',
  running: 'Running',
  stopping: 'Stopping',
  stopped: 'Stopped',
  rebooting: 'Running',
  restoring: 'Starting',
  destroying: 'Expunging',
  destroyed: 'Destroyed',
  error: 'Error',
  suspended: 'Stopped',
  terminated: 'Destroyed',
};

/** The CloudStack word for a core VM state. */
export const csVmState = (s: VmState): string => STATE[s] ?? 'Error';

/** The NIC object inside a virtualmachine or listNics. */
export function csNic(n: VmView['nics'][number], vmId: string): Record<string, unknown> {
  return {
    id: n.id,
    networkid: n.networkId,
    networkname: n.networkName,
    netmask: n.netmask,
    gateway: n.gateway ?? undefined,
    ipaddress: n.ipAddress ?? undefined,
    ip6address: n.ip6Address ?? undefined,
    isdefault: n.isDefault,
    macaddress: n.macAddress,
    traffictype: 'Guest',
    type: n.networkType === 'Shared' ? 'Shared' : 'Isolated',
    deviceid: String(n.deviceId),
    virtualmachineid: vmId,
    secondaryip: n.secondaryIps.map((s) => ({ id: s.id, ipaddress: s.ipAddress })),
  };
}

/** The full virtualmachine object; password only when an answer reveals it. */
export function csVm(vm: VmView, opts: { password?: string } = {}): Record<string, unknown> {
  return {
    id: vm.id,
    name: vm.name,
    displayname: vm.displayName,
    account: vm.accountName,
    domain: 'ROOT',
    domainid: vm.accountId,
    created: csDate(vm.created),
    state: csVmState(vm.state),
    haenable: vm.haEnable,
    group: vm.group ?? undefined,
    zoneid: vm.zoneId,
    zonename: vm.zoneName,
    hostid: vm.hostId ?? undefined,
    templateid: vm.templateId,
    templatename: vm.templateName,
    templatedisplaytext: vm.templateDisplayText,
    passwordenabled: vm.passwordEnabled,
    password: opts.password,
    serviceofferingid: vm.offeringId,
    serviceofferingname: vm.offeringName,
    cpunumber: vm.cpuCount,
    cpuspeed: vm.cpuMhz,
    memory: vm.memoryMb,
    cpuused: vm.state === 'running' ? '0.5%' : '0%',
    networkkbsread: 0,
    networkkbswrite: 0,
    guestosid: vm.guestOsId,
    rootdeviceid: 0,
    rootdevicetype: 'ROOT',
    hypervisor: 'KVM',
    keypair: vm.sshKeyName ?? undefined,
    displayvm: vm.displayVm,
    isdynamicallyscalable: false,
    nic: vm.nics.map((n) => csNic(n, vm.id)),
    securitygroup: vm.securityGroups.map((g) => ({
      id: g.id,
      name: g.name,
      description: g.description,
      account: vm.accountName,
    })),
    affinitygroup: vm.affinityGroups.map((g) => ({
      id: g.id,
      name: g.name,
      type: g.type,
      description: g.description,
      account: vm.accountName,
    })),
    tags: csTags(vm.tags, 'UserVm', vm.id, vm.accountName),
  };
}

/** The job result of a VM command; reveals the password a deploy or reset made. */
export async function vmResult(
  core: Core,
  ctx: CallContext,
  res: { id: string; passwordEnc?: string },
): Promise<Record<string, unknown>> {
  const vm = await core.vms.get(ctx, res.id, { includeRemoved: true });
  const password = typeof res.passwordEnc === 'string' ? core.vms.revealPassword(res.passwordEnc) : undefined;
  return { virtualmachine: csVm(vm, { password }) };
}
