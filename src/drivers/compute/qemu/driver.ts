/** The qemu driver: one daemonized qemu-system-x86_64 per running VM, controlled over QMP, re-adopted by pidfile after a restart. */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { parseJson } from '../../../lib/util.js';
import { Qcow2Storage, type LiveDisk } from '../../storage/qcow2.js';
import { KeyedLock } from '../../keyed-lock.js';
import type { ComputeDriver, PowerState, VmMetrics, VmSpec } from '../driver.js';
import { QmpClient, qmpOnce } from './qmp.js';
import { kill, launch, livePid, processUsage, vmPaths, waitGone, type VmPaths } from './process.js';
import { chooseAccel, diskDevice, netFiles, QEMU_BINARY, qemuArgs, type Accel, type DiskFile } from './cmdline.js';
import { PcapCounters } from './net-counters.js';
import { writeConfigDisk } from './config-disk.js';
import { ensureGuestTemplate, templateFiles, verifyTemplate } from './template.js';

/** How long a hot-unplug waits for the guest to release the disk. */
const UNPLUG_TIMEOUT_MS = 15000;

/** Settings of the qemu driver. */
export interface QemuOptions {
  dataDir: string;
  templateDir: string;
  accel: 'auto' | 'kvm' | 'tcg';
  /** How long a graceful stop waits for the guest to power off before QEMU is told to quit. */
  stopTimeoutMs: number;
}

/**
 * Real VMs under QEMU; runtime state lives in `<dataDir>/vms/<id>/` (so a new driver instance sees the VMs an old one
 * started) and disks are the volume storage's qcow2 images, the root one an overlay on its template's image.
 */
export class QemuDriver implements ComputeDriver {
  readonly name = 'qemu';
  private readonly lock = new KeyedLock();
  private readonly pcap = new PcapCounters();
  /** Which VM last started with each volume (filled from every VM's disks.json on first use). */
  private diskOwners: Map<string, string> | undefined;

  constructor(
    private readonly opts: QemuOptions,
    private readonly storage = new Qcow2Storage(opts.dataDir),
  ) {
    storage.setLiveDisks((volumeId) => this.liveDisk(volumeId));
  }

  /** The accelerator guests run with (KVM when it works, else TCG). */
  accel(): Promise<Accel> {
    return chooseAccel(this.opts.accel);
  }

  async define(spec: VmSpec): Promise<void> {
    await this.lock.run(spec.id, () => this.prepare(spec));
  }

  async start(spec: VmSpec): Promise<void> {
    await this.lock.run(spec.id, async () => {
      const paths = this.paths(spec.id);
      if (livePid(paths) !== undefined) return;
      const boot = await this.prepare(spec);
      const disks: DiskFile[] = boot.root ? [{ volumeId: boot.root.id, path: boot.root.path, node: 'vd0' }] : [];
      const data = spec.volumes.filter((x) => x.type === 'DATADISK').sort((a, b) => a.deviceId - b.deviceId);
      for (const [i, v] of data.entries()) {
        disks.push({ volumeId: v.id, path: await this.storage.ensureImage(v.id, v.size), node: `vd${i + 1}` });
      }
      await writeDisks(paths, Object.fromEntries(disks.map((d) => [d.volumeId, d.node])));
      const owners = await this.owners();
      for (const d of disks) owners.set(d.volumeId, spec.id);
      await fs.rm(paths.qmp, { force: true });
      await fs.rm(paths.nbd, { force: true });
      for (const f of await fs.readdir(paths.dir))
        if (/^net\d+-(rx|tx)\.pcap$/.test(f)) await fs.rm(`${paths.dir}/${f}`, { force: true });
      const accel = await this.accel();
      await this.storage.quiesce(
        disks.map((d) => d.volumeId),
        async () => {
          await launch(QEMU_BINARY, qemuArgs(spec, paths, accel, boot, disks));
          await qmpOnce(paths.qmp, 'query-status');
        },
      );
    });
  }

  async stop(vmId: string, opts: { force: boolean }): Promise<void> {
    await this.lock.run(vmId, async () => {
      const paths = this.paths(vmId);
      const pid = livePid(paths);
      if (pid === undefined) return;
      if (!opts.force) {
        const asked = await qmpOnce(paths.qmp, 'system_powerdown').then(
          () => true,
          () => false,
        );
        if (asked && (await waitGone(paths, pid, this.opts.stopTimeoutMs))) return;
      }
      await this.quit(paths, pid);
    });
  }

  async reboot(spec: VmSpec): Promise<void> {
    const paths = this.paths(spec.id);
    if (livePid(paths) === undefined) return this.start(spec);
    await this.lock.run(spec.id, async () => {
      await this.prepare(spec);
      await qmpOnce(paths.qmp, 'system_reset');
    });
  }

  async destroy(vmId: string): Promise<void> {
    await this.stop(vmId, { force: true });
    await this.lock.run(vmId, () => fs.rm(this.paths(vmId).dir, { recursive: true, force: true }));
  }

  /** Makes the volume's image and, when the VM runs, hot-plugs it as a virtio disk (blockdev-add + device_add). */
  async attachVolume(vmId: string, volume: VmSpec['volumes'][number]): Promise<void> {
    const path = await this.storage.ensureImage(volume.id, volume.size);
    await this.lock.run(vmId, async () => {
      const paths = this.paths(vmId);
      if (livePid(paths) === undefined) return;
      const nodes = await readDisks(paths);
      if (nodes[volume.id]) return;
      const used = new Set(Object.values(nodes));
      let n = 1;
      while (used.has(`vd${n}`)) n++;
      const disk: DiskFile = { volumeId: volume.id, path, node: `vd${n}` };
      await this.storage.quiesce([volume.id], async () => {
        const c = await QmpClient.open(paths.qmp);
        try {
          await c.execute('blockdev-add', {
            driver: 'qcow2',
            'node-name': disk.node,
            discard: 'unmap',
            file: { driver: 'file', filename: path },
          });
          await c.execute('device_add', parseDevice(diskDevice(disk)));
        } finally {
          c.close();
        }
        await writeDisks(paths, { ...nodes, [volume.id]: disk.node });
        (await this.owners()).set(volume.id, vmId);
      });
    });
  }

  /** When the VM runs, unplugs the disk (device_del, waiting for the guest to let go) and closes its block node. */
  async detachVolume(vmId: string, volumeId: string): Promise<void> {
    await this.lock.run(vmId, async () => {
      const paths = this.paths(vmId);
      const nodes = await readDisks(paths);
      const node = nodes[volumeId];
      if (!node) return;
      const { [volumeId]: _gone, ...rest } = nodes;
      if (livePid(paths) === undefined) return writeDisks(paths, rest);
      await this.storage.quiesce([volumeId], async () => {
        const c = await QmpClient.open(paths.qmp);
        try {
          await c.execute('block-export-del', { id: `nbd-${volumeId}`, mode: 'hard' }).catch(() => undefined);
          let released = false;
          for (let ask = 0; ask < 3 && !released; ask++) {
            await c.execute('device_del', { id: `dev-${node}` }).catch(() => undefined);
            released = await c.waitEvent(
              'DEVICE_DELETED',
              (d) => (d as { device?: string } | undefined)?.device === `dev-${node}`,
              UNPLUG_TIMEOUT_MS / 3,
            );
          }
          if (!released)
            throw new Error(
              `The guest did not release the disk within ${UNPLUG_TIMEOUT_MS / 1000} s; stop the VM to detach it`,
            );
          await c.execute('blockdev-del', { 'node-name': node });
        } finally {
          c.close();
        }
        await writeDisks(paths, rest);
      });
    });
  }

  async status(vmId: string): Promise<PowerState> {
    const paths = this.paths(vmId);
    if (livePid(paths) !== undefined) return 'running';
    return (await fs.access(paths.dir).then(
      () => true,
      () => false,
    ))
      ? 'stopped'
      : 'absent';
  }

  async metrics(vmId: string): Promise<VmMetrics> {
    const paths = this.paths(vmId);
    const pid = livePid(paths);
    const m: VmMetrics = {
      cpuTimeMs: 0,
      memoryUsedBytes: 0,
      diskReadBytes: 0,
      diskWriteBytes: 0,
      netRxBytes: 0,
      netTxBytes: 0,
    };
    if (pid === undefined) return m;
    const use = processUsage(pid);
    m.cpuTimeMs = use.cpuTimeMs;
    m.memoryUsedBytes = use.rssBytes;
    m.uptimeSec = use.uptimeSec;
    const stats = await qmpOnce<Array<{ stats: { rd_bytes: number; wr_bytes: number } }>>(
      paths.qmp,
      'query-blockstats',
    ).catch(() => []);
    for (const s of stats) {
      m.diskReadBytes += Number(s.stats.rd_bytes);
      m.diskWriteBytes += Number(s.stats.wr_bytes);
    }
    for (let i = 0; ; i++) {
      const files = netFiles(paths, i);
      if (
        !(await fs.access(files.rx).then(
          () => true,
          () => false,
        ))
      )
        break;
      m.netRxBytes += await this.pcap.total(files.rx);
      m.netTxBytes += await this.pcap.total(files.tx);
    }
    return m;
  }

  /** Every host is this machine, so it always answers. */
  async hostReachable(): Promise<boolean> {
    return true;
  }

  async unreachableHosts(): Promise<string[]> {
    return [];
  }

  /** The VM's serial console as captured since its last boot; null when it never booted here. */
  async console(vmId: string): Promise<string | null> {
    return fs.readFile(this.paths(vmId).console, 'utf8').catch(() => null);
  }

  /** Ids of the VMs whose QEMU is running now (found by pidfile and QMP socket, e.g. after a restart). */
  async running(): Promise<string[]> {
    const ids = await fs.readdir(`${this.opts.dataDir}/vms`).catch(() => [] as string[]);
    return ids.filter((id) => {
      try {
        return livePid(this.paths(id)) !== undefined;
      } catch {
        return false;
      }
    });
  }

  private paths(vmId: string): VmPaths {
    return vmPaths(this.opts.dataDir, vmId);
  }

  /** The running VM that has this volume open, as the storage needs it for live I/O, snapshots and resize. */
  private async liveDisk(volumeId: string): Promise<LiveDisk | undefined> {
    const vmId = (await this.owners()).get(volumeId);
    if (!vmId) return undefined;
    const paths = this.paths(vmId);
    if (livePid(paths) === undefined) return undefined;
    const node = (await readDisks(paths))[volumeId];
    return node ? { qmp: paths.qmp, node, nbdSocket: paths.nbd } : undefined;
  }

  private async owners(): Promise<Map<string, string>> {
    if (this.diskOwners) return this.diskOwners;
    const found = new Map<string, string>();
    for (const vmId of await fs.readdir(`${this.opts.dataDir}/vms`).catch(() => [] as string[])) {
      const file = await fs.readFile(`${this.opts.dataDir}/vms/${vmId}/disks.json`, 'utf8').catch(() => null);
      for (const volumeId of Object.keys(parseJson<Record<string, string>>(file, {}))) found.set(volumeId, vmId);
    }
    this.diskOwners ??= found;
    return this.diskOwners;
  }

  /**
   * Writes the VM's config disk and root overlay (in the volume storage); returns the boot files and the root image.
   * A VM without a ROOT volume (a CloudSigma server: all its drives are plain volumes) boots the template's kernel with
   * its drives in slot order, the first one as /dev/vda.
   */
  private async prepare(
    spec: VmSpec,
  ): Promise<{ kernel: string; initrd: string; root: { id: string; path: string } | null }> {
    const paths = this.paths(spec.id);
    await fs.mkdir(paths.dir, { recursive: true });
    const root = spec.volumes.find((v) => v.type === 'ROOT');
    const tpl = await this.template(root ? (spec.rootTemplate ?? null) : null);
    await writeConfigDisk(paths.config, spec.userdata);
    if (!root) return { ...tpl, root: null };
    await adoptOldRoot(paths.dir, this.storage.volumePath(root.id));
    return { ...tpl, root: { id: root.id, path: await this.storage.ensureImage(root.id, root.size, tpl.disk) } };
  }

  /** The template's files: its own directory when registered with one, else the built-in guest template; checksums verified. */
  private async template(tpl: VmSpec['rootTemplate']) {
    const dir = tpl?.details.qemuDir;
    if (typeof dir === 'string' && dir) {
      await verifyTemplate(dir, tpl?.checksum ?? null);
      return templateFiles(dir);
    }
    const built = await ensureGuestTemplate(this.opts.templateDir);
    await verifyTemplate(built.dir, built.checksum);
    return built;
  }

  /** Asks QEMU to quit; kills it when it does not go. */
  private async quit(paths: VmPaths, pid: number): Promise<void> {
    try {
      const c = await QmpClient.open(paths.qmp, 3000);
      await c.execute('quit').catch(() => undefined);
      await c.waitClosed(3000);
      c.close();
    } catch {
      /* QMP gone: kill below */
    }
    if (!(await waitGone(paths, pid, 3000))) await kill(paths, pid);
    await fs.rm(paths.pidfile, { force: true });
  }
}

/** A root disk kept inside the VM's directory by an older Nube moves into the volume storage. */
async function adoptOldRoot(vmDir: string, target: string): Promise<void> {
  const old = `${vmDir}/root.qcow2`;
  if (
    !(await fs.access(old).then(
      () => true,
      () => false,
    ))
  )
    return;
  if (
    await fs.access(target).then(
      () => true,
      () => false,
    )
  )
    return;
  await fs.mkdir(dirname(target), { recursive: true });
  await fs.rename(old, target);
}

/** The VM's disks as volume id → block node name (written at start, updated by hot-plug). */
async function readDisks(paths: VmPaths): Promise<Record<string, string>> {
  return parseJson<Record<string, string>>(await fs.readFile(paths.disks, 'utf8').catch(() => null), {});
}

async function writeDisks(paths: VmPaths, nodes: Record<string, string>): Promise<void> {
  await fs.writeFile(paths.disks, JSON.stringify(nodes), { mode: 0o600 });
}

/** A -device option string as device_add arguments ("on" becomes true). */
function parseDevice(device: string): Record<string, unknown> {
  const [driver, ...opts] = device.split(',');
  const args: Record<string, unknown> = { driver };
  for (const o of opts) {
    const [k, v] = o.split('=') as [string, string];
    args[k] = v === 'on' ? true : v;
  }
  return args;
}
