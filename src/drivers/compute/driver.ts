/** The ComputeDriver interface every hypervisor implements; the core and task handlers see only this. */

/** What a driver needs to know to run a VM. */
export interface VmSpec {
  id: string;
  serial: number;
  hostname: string;
  hostId: string;
  cpus: number;
  cpuMhz: number;
  memoryMb: number;
  volumes: Array<{ id: string; deviceId: number; size: number; type: 'ROOT' | 'DATADISK'; templateId: string | null }>;
  nics: Array<{ mac: string; ip: string | null; deviceId: number }>;
  userdata: string | null;
  /** The root volume's template as the catalog lists it: its checksum and the details its driver seeded (e.g. where its files are); absent or null without one. */
  rootTemplate?: { checksum: string | null; details: Record<string, unknown> } | null;
}

/** Power state as the hypervisor reports it. */
export type PowerState = 'running' | 'stopped' | 'absent' | 'unknown';

/** Counters read from a running guest. */
export interface VmMetrics {
  cpuTimeMs: number;
  memoryUsedBytes: number;
  diskReadBytes: number;
  diskWriteBytes: number;
  netRxBytes: number;
  netTxBytes: number;
  /** Seconds since the VM was powered on, when the driver knows. */
  uptimeSec?: number;
}

/** A template the driver can boot, for the catalog to list as public and featured. */
export interface SeedTemplate {
  name: string;
  /** Size of its root disk in bytes. */
  size: number;
  checksum: string;
  /** The catalog's OS type description, e.g. "Other (64-bit)". */
  osType: string;
  passwordEnabled: boolean;
  sshKeyEnabled: boolean;
  /** Stored as the template's details: its login user, and what the driver reads back when it boots it (e.g. where its files are). */
  details: Record<string, string>;
}

/** What a driver brings to the catalog at start: the templates it boots and what its hosts offer (every start, so they follow the machine). */
export interface DriverSeed {
  templates: SeedTemplate[];
  /** Set on every host of this driver: its details and this machine's capacity. */
  hosts: { details: Record<string, string>; cpus: number; cpuMhz: number; memBytes: number; diskBytes: number };
}

/** One injected fault as the driver keeps it (the admin API and CLI show it as is). */
export interface Fault {
  id: string;
  kind: string;
  host_id: string | null;
  vm_id: string | null;
  value: number;
  remaining: number;
  created_at: string;
}

/** What to inject: a host down, the next start(s) of a VM (or any VM on a host) failing, or added latency in ms. */
export interface FaultInput {
  kind: string;
  hostId?: string | null;
  vmId?: string | null;
  value?: number;
  count?: number;
}

/** Fault injection a driver may offer (sim does): the core checks the fault's target and bounds, the driver keeps and applies it. */
export interface FaultControl {
  /** The fault kinds this driver knows. */
  readonly kinds: readonly string[];
  /** Stores a fault of a known kind whose host and VM ids the core resolved; count is how many operations it affects (-1 = until cleared). */
  add(f: FaultInput): Promise<Fault>;
  /** Current faults, oldest first. */
  list(): Promise<Fault[]>;
  /** Removes one fault, or all when id is absent; returns how many were removed. */
  clear(id?: string): Promise<number>;
  /** Drops the faults kept in memory: the whole state was replaced (reset, state load), so the stored ones changed at once. */
  forget(): void;
}

/** A hypervisor behind Nube: defines, powers and removes VMs on hosts. All methods are idempotent. */
export interface ComputeDriver {
  readonly name: string;
  /** Creates the VM's definition on its host (no power change). */
  define(spec: VmSpec): Promise<void>;
  /** Powers the VM on; already running is success; a driver may stop waiting when signal aborts (the task was cancelled). */
  start(spec: VmSpec, opts?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Powers on several new VMs at once where the driver can do it cheaper than one by one (the sim driver: one
   * statement); signals and the returned errors of the VMs that failed are keyed by VM id. Drivers without it are
   * started one by one.
   */
  startMany?(specs: VmSpec[], signals: Map<string, AbortSignal>): Promise<Map<string, unknown>>;
  /** Powers the VM off, gracefully unless force; already stopped is success; signal as for start. */
  stop(vmId: string, opts: { force: boolean; signal?: AbortSignal }): Promise<void>;
  /** Restarts a running VM; signal as for start. */
  reboot(spec: VmSpec, opts?: { signal?: AbortSignal }): Promise<void>;
  /** Removes the VM from its host; already gone is success. */
  destroy(vmId: string): Promise<void>;
  /** Hot-plugs or records a data volume. */
  attachVolume(vmId: string, volume: VmSpec['volumes'][number]): Promise<void>;
  /** Unplugs a data volume. */
  detachVolume(vmId: string, volumeId: string): Promise<void>;
  /** The VM's power state; 'unknown' when its host cannot be reached. */
  status(vmId: string): Promise<PowerState>;
  /** Usage counters of the VM. */
  metrics(vmId: string): Promise<VmMetrics>;
  /** Usage counters of several VMs in one call, for lists; a VM the driver cannot read is left out. Optional: without it, metrics is called per VM. */
  metricsOf?(vmIds: string[]): Promise<Map<string, VmMetrics>>;
  /** Whether a host answers. */
  hostReachable(hostId: string): Promise<boolean>;
  /** Ids of the hosts that do not answer, in one call (placement skips them). */
  unreachableHosts(): Promise<string[]>;
  /** The VM's serial console output, when the driver captures one (null: nothing captured yet). */
  console?(vmId: string): Promise<string | null>;
  /** Fault injection, when the driver offers it (absent: the core refuses fault requests with a clear error). */
  readonly faults?: FaultControl;
}
