/** CVM object shapes: every value a string, as the seed's examples show; traffic keys by accounting mode.. */
import type { VpsStatusView, VpsView } from './vps.js';
import type { TrafficView } from '../../core/vms/traffic.js';
import type { NodeView, NumberedTemplate } from '../../core/hosts/nodes.js';

const MB = 1024 * 1024;
const s = (n: number | null | undefined): string => String(n ?? 0);

/** The traffic keys of a VPS: traffic_limit/traffic_used when combined, traffic_in_ and traffic_out_ keys when split. */
function cvmTraffic(t: TrafficView, withLimits: boolean): Record<string, string> {
  if (t.mode === 'combined') {
    return { ...(withLimits ? { traffic_limit: s(t.totalLimit) } : {}), traffic_used: s(t.inUsed + t.outUsed) };
  }
  return {
    ...(withLimits ? { traffic_in_limit: s(t.inLimit), traffic_out_limit: s(t.outLimit) } : {}),
    traffic_in_used: s(t.inUsed),
    traffic_out_used: s(t.outUsed),
  };
}

/** A VPS as vps/list shows it. */
export function cvmVps(v: VpsView): Record<string, string> {
  return {
    id: s(v.serial),
    node: v.nodeSerial === null ? '' : s(v.nodeSerial),
    location: v.location,
    template: v.templateSerial === null ? '' : s(v.templateSerial),
    virtualization_type: '1',
    hostname: v.hostname,
    guaranteed_ram: s(v.memoryMb),
    burstable_ram: s(v.memoryMb),
    disk_space: s(Math.round(v.diskBytes / MB)),
    cpu_count: s(v.cpuCount),
    ...cvmTraffic(v.traffic, true),
  };
}

/** The status object: ram_used and disk_used in bytes, status, and the traffic used keys. */
export function cvmStatus(st: VpsStatusView): Record<string, string> {
  return {
    ram_used: s(st.ramUsedBytes),
    disk_used: s(st.diskUsedBytes),
    status: st.status,
    ...cvmTraffic(st.traffic, false),
  };
}

/** A node. */
export function cvmNode(n: NodeView, withId: boolean): Record<string, string> {
  return { ...(withId ? { id: s(n.serial) } : {}), name: n.name, hostname: n.hostname, location: n.location };
}

/** A template; supported, available and outdated are booleans, as the documentation says. */
export function cvmTemplate(t: NumberedTemplate): Record<string, string | boolean> {
  return {
    id: s(t.serial),
    name: t.name,
    description: t.description,
    supported: t.supported,
    available: t.available,
    outdated: t.outdated,
  };
}
