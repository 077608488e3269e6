/** Commands of this group, registered by commands/index.ts. */
import type { CsCommand } from '../../command.js';
import { scaleVirtualMachine } from './scale-virtual-machine.js';
import { changeServiceForVirtualMachine } from './change-service-for-virtual-machine.js';
import { restoreVirtualMachine } from './restore-virtual-machine.js';
import { resetPasswordForVirtualMachine } from './reset-password-for-virtual-machine.js';
import { updateVirtualMachine } from './update-virtual-machine.js';
import { getVMPassword } from './get-vm-password.js';
import { addNicToVirtualMachine, removeNicFromVirtualMachine, updateVmNicIp } from './nics.js';

/** This group's commands: the Virtual Machines commands of seed 004 beyond deploy, power and list. */
export const vmExtraCommands: CsCommand[] = [
  scaleVirtualMachine, restoreVirtualMachine, resetPasswordForVirtualMachine, changeServiceForVirtualMachine,
  updateVirtualMachine, getVMPassword, addNicToVirtualMachine, removeNicFromVirtualMachine, updateVmNicIp,
];
