/** Maps a driver name to its factory: adding a hypervisor is one line here. */
import type { Store } from '../../store/db.js';
import type { Config } from '../../config.js';
import type { ComputeDriver, DriverSeed } from './driver.js';
import type { VolumeStorage } from '../storage/storage.js';
import { Qcow2Storage } from '../storage/qcow2.js';
import { SimDriver } from './sim/driver.js';
import { QemuDriver } from './qemu/driver.js';
import { qemuSeed } from './qemu/seed.js';
import type { ChaosSnapshots } from '../../store/chaos.js';

const FACTORIES: Record<
  string,
  (store: Store, cfg: Config, storage: VolumeStorage, chaos?: ChaosSnapshots) => ComputeDriver
> = {
  sim: (store, cfg, _storage, chaos) => new SimDriver(store, { delayMs: cfg.sim.delayMs, chaos }),
  qemu: (_store, cfg, storage) => {
    if (!(storage instanceof Qcow2Storage)) throw new Error('The qemu driver needs qcow2 volume storage');
    return new QemuDriver({ dataDir: cfg.dataDir, ...cfg.qemu }, storage);
  },
};

/** The configured compute driver (the sim driver reads its per-operation delays from chaos); unknown names are a configuration error. */
export function loadComputeDriver(
  store: Store,
  cfg: Config,
  storage: VolumeStorage,
  chaos?: ChaosSnapshots,
): ComputeDriver {
  const make = FACTORIES[cfg.driver];
  if (!make) throw new Error(`Compute driver "${cfg.driver}" is not available in this build`);
  return make(store, cfg, storage, chaos);
}

/** Start-up steps of the drivers that bring something to the catalog (templates they boot, their hosts' capacity). */
const SEEDS: Record<string, (cfg: Config) => Promise<DriverSeed>> = {
  qemu: (cfg) => qemuSeed({ templateDir: cfg.qemu.templateDir, accel: cfg.qemu.accel, dataDir: cfg.dataDir }),
};

/** What the configured driver brings to the catalog at start, or null when it brings nothing (sim). */
export async function loadDriverSeed(cfg: Config): Promise<DriverSeed | null> {
  const seed = SEEDS[cfg.driver];
  return seed ? seed(cfg) : null;
}
