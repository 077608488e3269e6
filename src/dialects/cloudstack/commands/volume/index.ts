/** Commands of this group, registered by commands/index.ts. */
import type { CsCommand } from '../../command.js';
import '../../views/volume.js';
import { listVolumes } from './list-volumes.js';
import { createVolume } from './create-volume.js';
import { attachVolume, detachVolume } from './attach-volume.js';
import { deleteVolume } from './delete-volume.js';
import { resizeVolume } from './resize-volume.js';
import { createSnapshot, deleteSnapshot, listSnapshots, revertSnapshot } from './snapshots.js';

/** This group's commands. */
export const volumeCommands: CsCommand[] = [
  listVolumes, createVolume, attachVolume, detachVolume, deleteVolume, resizeVolume,
  createSnapshot, listSnapshots, deleteSnapshot, revertSnapshot,
];
