/** What a new VM is made of and what creating one answers, shared by both ways of creating one. */
import type { TaskReceipt } from '../receipt.js';
import type { VmDrive, VmSize } from './sized.js';

/**
 * What a new VM is made of. With `size` the VM is made by explicit size (in `zoneId` or the first zone, with the
 * caller's drives attached, created stopped); otherwise from `offeringId` and `templateId` in `zoneId`, with a new root volume.
 */
export interface VmCreateInput {
  /** Host name (offering path); by size it is the display name. */
  name?: string;
  displayName?: string;
  group?: string;
  zoneId?: string;
  offeringId?: string;
  templateId?: string;
  size?: VmSize;
  drives?: VmDrive[];
  sshKeyName?: string;
  userData?: string;
  userDataMax?: number;
  rootDiskSizeGb?: number;
  securityGroupIds?: string[];
  securityGroupNames?: string[];
  affinityGroupIds?: string[];
  affinityGroupNames?: string[];
  networkIds?: string[];
  ipAddress?: string;
  macAddress?: string;
  start?: boolean;
  displayVm?: boolean;
  /** Free-form settings kept with the VM (boot, console, NIC models, ...); null removes a key. */
  extras?: Record<string, string | null>;
  /** The console (VNC) password, stored encrypted under the master key. */
  consolePassword?: string | null;
  /** A root password of the caller's choosing (8-128 printable characters) instead of a generated one; null: no password (key login only). */
  password?: string | null;
}

/** A created VM: the receipt of the task that defines (and maybe starts) it, and its first password when the template sets one. */
export interface VmCreated {
  receipt: TaskReceipt;
  password: string | null;
}
