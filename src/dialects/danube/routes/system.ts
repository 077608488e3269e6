/** /system/: the version, the state of Nube's services and overall statistics (SuperAdmin). */
import { hostname } from 'node:os';
import { ok, requireSuperAdmin } from '../answers.js';
import type { DanubeRouter } from '../router.js';
import { ES_VERSION } from '../version.js';

/** Registers the system routes. */
export function systemRoutes(r: DanubeRouter): void {
  r.get(
    '/system/version/',
    async (q) => {
      requireSuperAdmin(q);
      return ok(q, { hostname: hostname(), version: ES_VERSION });
    },
    "The system's version.",
  );
  r.get(
    '/system/service/status/',
    async (q) => {
      requireSuperAdmin(q);
      const hosts = await q.core.catalog.listHosts();
      return ok(q, {
        'nube-api': 'running',
        'nube-tasks': 'running',
        'nube-database': 'running',
        'nube-nodes': `${hosts.length} nodes`,
      });
    },
    'The state of the services behind the API.',
  );
  r.get(
    '/system/stats/',
    async (q) => {
      requireSuperAdmin(q);
      const dcs = (await q.core.catalog.listZones()).length + 1;
      const nodes = await q.core.catalog.listHosts();
      const vms = await q.core.vms.list(q.ctx, { pageSize: 1 });
      return ok(q, { dcs, nodes: nodes.length, vms: vms.count });
    },
    'Counts of DCs, nodes and VMs.',
  );
}
