/** /dc/: the virtual datacenters (main spans every zone; each zone is a DC of its own name) and their settings. */
import { apiError, ok } from '../answers.js';
import { flag, sortBy } from '../params.js';
import type { DanubeRouter } from '../router.js';
import { listDcs } from '../dcs.js';

/** A DC as Danube shows it. */
function dcView(d: { name: string; zoneId: string | null; description: string }) {
  return {
    name: d.name,
    alias: d.name,
    access: 1,
    owner: 'admin',
    desc: d.description,
    site: d.name,
    groups: [],
    created: null,
  };
}

/** Registers the DC routes. */
export function dcRoutes(r: DanubeRouter): void {
  r.get(
    '/dc/',
    async (q) => {
      const views = sortBy(q, (await listDcs(q.core)).map(dcView), ['name', 'created'], 'name');
      return ok(q, flag(q, 'full') || flag(q, 'extended') ? views : views.map((v) => v.name));
    },
    'The datacenters you can see.',
  );
  r.get(
    '/dc/:dc/',
    async (q) => {
      const d = (await listDcs(q.core)).find((x) => x.name === q.params.dc);
      if (!d) throw apiError(404, 'Datacenter not found');
      return ok(q, dcView(d));
    },
    'One datacenter.',
  );
  r.get(
    '/dc/:dc/settings/',
    async (q) => {
      const d = (await listDcs(q.core)).find((x) => x.name === q.params.dc);
      if (!d) throw apiError(404, 'Datacenter not found');
      return ok(q, {
        VMS_VM_STOP_TIMEOUT_DEFAULT: 180,
        API_LOG_USER_CALLBACK: true,
        VMS_VM_SNAPSHOT_ENABLED: true,
        VMS_VM_BACKUP_ENABLED: true,
        DNS_ENABLED: true,
        MON_ZABBIX_ENABLED: false,
      });
    },
    "A datacenter's settings.",
  );
}
