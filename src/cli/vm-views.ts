/** How VMs print in `nube vm list` and `nube vm show`: the table columns and the stable JSON keys. */
import type { VmView } from '../core/vms/model.js';
import type { Column } from './output.js';

/** The VM's addresses, default NIC first. */
function addresses(vm: VmView): string[] {
  return [...vm.nics]
    .sort((a, b) => Number(b.isDefault) - Number(a.isDefault))
    .flatMap((n) => [n.ipAddress, n.ip6Address].filter((a): a is string => !!a));
}

/** A VM in the CLI's JSON (list and show): snake_case keys that stay stable. */
export function vmJson(vm: VmView) {
  return {
    id: vm.id,
    name: vm.name,
    display_name: vm.displayName,
    account: vm.accountName,
    account_id: vm.accountId,
    state: vm.state,
    zone: vm.zoneName,
    zone_id: vm.zoneId,
    host_id: vm.hostId,
    offering: vm.offeringName,
    template: vm.templateName,
    cpus: vm.cpuCount,
    cpu_mhz: vm.cpuMhz,
    memory_mb: vm.memoryMb,
    root_disk_bytes: vm.rootDiskSize,
    ip_addresses: addresses(vm),
    created_at: vm.created,
  };
}

/** The columns of `nube vm list`. */
export const VM_COLUMNS: Column<VmView>[] = [
  { head: 'NAME', cell: (vm) => vm.name },
  { head: 'ACCOUNT', cell: (vm) => vm.accountName },
  { head: 'STATE', cell: (vm) => vm.state },
  { head: 'ZONE', cell: (vm) => vm.zoneName },
  { head: 'CPU', cell: (vm) => vm.cpuCount },
  { head: 'MEMORY MB', cell: (vm) => vm.memoryMb },
  { head: 'IP', cell: (vm) => addresses(vm).join(' ') },
  { head: 'ID', cell: (vm) => vm.id },
];
