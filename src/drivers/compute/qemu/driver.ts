/** The qemu driver: one daemonized qemu-system-x86_64 per running VM, controlled over QMP, re-adopted by pidfile after a restart. */
import { promises as fs } from 'node:fs';
import type { Store } from '../../../store/db.js';
import { parseJson } from '../../../core/util.js';
import { VolumeStorage } from '../../storage/files.js';
import type { ComputeDriver, PowerState, VmMetrics, VmSpec } from '../driver.js';
import { QmpClient, qmpOnce } from './qmp.js';
import { kill, launch, livePid, processUsage, vmPaths, waitGone, type VmPaths } from './process.js';
import { chooseAccel, QEMU_BINARY, qemuArgs, type Accel } from './cmdline.js';
import { ensureOverlay, ensureRaw, writeConfigDisk } from './disks.js';
import { ensureGuestTemplate, templateFiles, verifyTemplate } from './template.js';

/** Settings of the qemu driver. */
export interface QemuOptions {
  dataDir: string; templateDir: string; accel: 'auto' | 'kvm' | 'tcg';
  /** How long a graceful stop waits for the guest to power off before QEMU is told to quit. */
  stopTimeoutMs: number;
}

/** Real VMs under QEMU; all state lives in `<dataDir>/vms/<id>/`, so a new driver instance sees the VMs an old one started. */
export class QemuDriver implements ComputeDriver {
  readonly name = 'qemu';
  private readonly storage: VolumeStorage;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly store: Store, private readonly opts: QemuOptions) {
    this.storage = new VolumeStorage(opts.dataDir);
  }

  /** The accelerator guests run with (KVM when it works, else TCG). */
  accel(): Promise<Accel> { return chooseAccel(this.opts.accel); }

  async define(spec: VmSpec): Promise<void> {
    await this.locked(spec.id, () => this.prepare(spec));
  }

  async start(spec: VmSpec): Promise<void> {
    await this.locked(spec.id, async () => {
      const paths = this.paths(spec.id);
      if (livePid(paths) !== undefined) return;
      const boot = await this.prepare(spec);
      const data: string[] = [];
      for (const v of spec.volumes.filter((x) => x.type === 'DATADISK')) {
        const file = this.storage.volumePath(v.id);
        await ensureRaw(file, v.size);
        data.push(file);
      }
      await fs.rm(paths.qmp, { force: true });
      await launch(QEMU_BINARY, qemuArgs(spec, paths, await this.accel(), boot, data));
      await qmpOnce(paths.qmp, 'query-status');
    });
  }

  async stop(vmId: string, opts: { force: boolean }): Promise<void> {
    await this.locked(vmId, async () => {
      const paths = this.paths(vmId);
      const pid = livePid(paths);
      if (pid === undefined) return;
      if (!opts.force) {
        const asked = await qmpOnce(paths.qmp, 'system_powerdown').then(() => true, () => false);
        if (asked && (await waitGone(paths, pid, this.opts.stopTimeoutMs))) return;
      }
      await this.quit(paths, pid);
    });
  }

  async reboot(spec: VmSpec): Promise<void> {
    const paths = this.paths(spec.id);
    if (livePid(paths) === undefined) return this.start(spec);
    await this.locked(spec.id, async () => {
      await this.prepare(spec);
      await qmpOnce(paths.qmp, 'system_reset');
    });
  }

  async destroy(vmId: string): Promise<void> {
    await this.stop(vmId, { force: true });
    await this.locked(vmId, () => fs.rm(this.paths(vmId).dir, { recursive: true, force: true }));
  }

  /** Makes the volume's file; the disk is part of the VM's hardware from its next start. */
  async attachVolume(_vmId: string, volume: VmSpec['volumes'][number]): Promise<void> {
    await ensureRaw(this.storage.volumePath(volume.id), volume.size);
  }

  /** The disk leaves the VM's hardware at its next start. */
  async detachVolume(): Promise<void> {}

  async status(vmId: string): Promise<PowerState> {
    const paths = this.paths(vmId);
    if (livePid(paths) !== undefined) return 'running';
    return (await fs.access(paths.dir).then(() => true, () => false)) ? 'stopped' : 'absent';
  }

  async metrics(vmId: string): Promise<VmMetrics> {
    const paths = this.paths(vmId);
    const pid = livePid(paths);
    const m: VmMetrics = { cpuTimeMs: 0, memoryUsedBytes: 0, diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0 };
    if (pid === undefined) return m;
    const use = processUsage(pid);
    m.cpuTimeMs = use.cpuTimeMs;
    m.memoryUsedBytes = use.rssBytes;
    const stats = await qmpOnce<Array<{ stats: { rd_bytes: number; wr_bytes: number } }>>(paths.qmp, 'query-blockstats').catch(() => []);
    for (const s of stats) {
      m.diskReadBytes += Number(s.stats.rd_bytes);
      m.diskWriteBytes += Number(s.stats.wr_bytes);
    }
    return m;
  }

  /** Every host is this machine, so it always answers. */
  async hostReachable(): Promise<boolean> { return true; }

  async unreachableHosts(): Promise<string[]> { return []; }

  /** The VM's serial console as captured since its last boot; null when it never booted here. */
  async console(vmId: string): Promise<string | null> {
    return fs.readFile(this.paths(vmId).console, 'utf8').catch(() => null);
  }

  /** Ids of the VMs whose QEMU is running now (found by pidfile and QMP socket, e.g. after a restart). */
  async running(): Promise<string[]> {
    const ids = await fs.readdir(`${this.opts.dataDir}/vms`).catch(() => [] as string[]);
    return ids.filter((id) => { try { return livePid(this.paths(id)) !== undefined; } catch { return false; } });
  }

  private paths(vmId: string): VmPaths { return vmPaths(this.opts.dataDir, vmId); }

  /** Writes the VM's config disk and root overlay; returns the boot files of its template. */
  private async prepare(spec: VmSpec): Promise<{ kernel: string; initrd: string }> {
    const paths = this.paths(spec.id);
    await fs.mkdir(paths.dir, { recursive: true });
    const root = spec.volumes.find((v) => v.type === 'ROOT');
    const tpl = await this.template(root?.templateId ?? null);
    await writeConfigDisk(paths.config, spec.userdata);
    await ensureOverlay(paths.root, tpl.disk, root?.size ?? 0);
    return tpl;
  }

  /** The template's files: its own directory when registered with one, else the built-in guest template; checksums verified. */
  private async template(templateId: string | null) {
    const row = templateId
      ? await this.store.db.selectFrom('templates').select(['details', 'checksum']).where('id', '=', templateId).executeTakeFirst()
      : undefined;
    const dir = parseJson<{ qemuDir?: string }>(row?.details ?? null, {}).qemuDir;
    if (dir) {
      await verifyTemplate(dir, row?.checksum ?? null);
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
    } catch { /* QMP gone: kill below */ }
    if (!(await waitGone(paths, pid, 3000))) await kill(paths, pid);
    await fs.rm(paths.pidfile, { force: true });
  }

  /** Serializes operations on one VM within this process. */
  private async locked<T>(vmId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(vmId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.locks.set(vmId, next);
    try {
      return await next;
    } finally {
      if (this.locks.get(vmId) === next) this.locks.delete(vmId);
    }
  }
}
