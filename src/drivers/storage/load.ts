/** Maps a compute driver to the volume storage it needs: adding a storage format is one line here. */
import type { VolumeStorage } from './storage.js';
import { RawStorage } from './raw.js';
import { Qcow2Storage } from './qcow2.js';

/** qcow2 images for qemu (snapshots, overlays, what QEMU opens), raw files for sim. */
const FACTORIES: Record<string, (dataDir: string) => VolumeStorage> = {
  sim: (dataDir) => new RawStorage(dataDir),
  qemu: (dataDir) => new Qcow2Storage(dataDir),
};

/** The volume storage of the configured compute driver, under dataDir; unknown names are a configuration error. */
export function openVolumeStorage(dataDir: string, driver: string): VolumeStorage {
  const make = FACTORIES[driver];
  if (!make) throw new Error(`No volume storage for compute driver "${driver}" in this build`);
  return make(dataDir);
}
