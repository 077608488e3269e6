/** Every Danube route module, in one list: a new resource is one file under routes/ and one line here. */
import type { DanubeRouter } from '../router.js';
import { baseRoutes } from './base.js';
import { taskRoutes } from './task.js';
import { taskCancelRoutes } from './task-cancel.js';
import { systemRoutes } from './system.js';
import { dcRoutes } from './dc.js';
import { nodeRoutes } from './node.js';
import { networkRoutes } from './network.js';
import { networkIpRoutes } from './network-ip.js';
import { imageRoutes } from './image.js';
import { accountRoutes } from './accounts.js';
import { vmRoutes } from './vm.js';
import { vmSnapshotRoutes } from './vm-snapshot.js';
import { vmDefineSnapshotRoutes } from './vm-define-snapshot.js';
import { vmBackupRoutes } from './vm-backup.js';
import { vmMigrateRoutes } from './vm-migrate.js';
import { dnsDomainRoutes } from './dns-domain.js';
import { dnsRecordRoutes } from './dns-record.js';

/** Registers every module's routes on the router. */
export function registerRoutes(r: DanubeRouter): void {
  baseRoutes(r);
  taskRoutes(r);
  taskCancelRoutes(r);
  systemRoutes(r);
  dcRoutes(r);
  nodeRoutes(r);
  networkRoutes(r);
  networkIpRoutes(r);
  imageRoutes(r);
  accountRoutes(r);
  vmRoutes(r);
  vmSnapshotRoutes(r);
  vmDefineSnapshotRoutes(r);
  vmBackupRoutes(r);
  vmMigrateRoutes(r);
  dnsDomainRoutes(r);
  dnsRecordRoutes(r);
}
