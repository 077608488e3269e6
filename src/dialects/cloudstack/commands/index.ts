/** Every command of the dialect; a group adds its array here. */
import type { CsCommand } from '../command.js';
import { deployVirtualMachine } from './vm/deploy-virtual-machine.js';
import { destroyVirtualMachine, rebootVirtualMachine, startVirtualMachine, stopVirtualMachine } from './vm/power.js';
import { listVirtualMachines } from './vm/list-virtual-machines.js';
import { listAsyncJobs, queryAsyncJobResult } from './jobs/query-async-job-result.js';
import { listZones } from './catalog/list-zones.js';
import { listServiceOfferings } from './catalog/list-service-offerings.js';
import { listTemplates } from './catalog/list-templates.js';
import { listDiskOfferings, listOsTypes } from './catalog/list-disk-offerings.js';
import { listApis } from './list-apis.js';
import { volumeCommands } from './volume/index.js';
import { securityCommands } from './security/index.js';
import { networkCommands } from './network/index.js';
import { vmExtraCommands } from './vmx/index.js';

/** All commands, in registration order. */
export function allCommands(): CsCommand[] {
  return [
    deployVirtualMachine, startVirtualMachine, stopVirtualMachine, rebootVirtualMachine, destroyVirtualMachine,
    listVirtualMachines, queryAsyncJobResult, listAsyncJobs, listZones, listServiceOfferings, listTemplates,
    listDiskOfferings, listOsTypes, listApis,
    ...volumeCommands, ...securityCommands, ...networkCommands, ...vmExtraCommands,
  ];
}
