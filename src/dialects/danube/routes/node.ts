/** /node/: compute nodes (Nube's hosts) for SuperAdmins: status, maintenance through define, storage and VMs per node. */
import type { HostInventoryView, HostVmView } from '../../../core/hosts/inventory.js';
import { CoreError } from '../../../lib/errors.js';
import { apiError, ok, requireSuperAdmin } from '../answers.js';
import { flag, readParams, sortBy } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { resolveDc } from '../dcs.js';

/** Danube's node status codes: define's `status` takes 1 (maintenance) or 2 (online); 3 is unreachable. */
const STATUS_CODES: Record<HostInventoryView['status'], number> = { maintenance: 1, online: 2, unreachable: 3 };
/** The one storage every node has: its disk capacity. */
const ZPOOL = 'zones';

/** A node as GET /node/ shows it. */
function nodeView(h: HostInventoryView) {
  return {
    hostname: h.name,
    uuid: h.id,
    address: null,
    status: h.status,
    node_status: STATUS_CODES[h.status],
    owner: 'admin',
    is_head: false,
    is_compute: true,
    is_backup: false,
    cpu: h.cpuCount,
    ram: h.memoryMb,
    cpu_free: h.cpuFree,
    ram_free: h.memoryFreeMb,
    cpu_coef: '1',
    ram_coef: '1',
    dc: [h.zoneName],
    vms: h.vmCount,
    note: h.note,
    created: h.created,
  };
}

/** A node's definition (what PUT /node/<h>/define/ changes). */
function defineView(h: HostInventoryView) {
  return {
    hostname: h.name,
    uuid: h.id,
    address: null,
    status: STATUS_CODES[h.status],
    owner: 'admin',
    is_compute: true,
    is_backup: false,
    is_head: false,
    note: h.note,
    cpu_coef: '1',
    ram_coef: '1',
    monitoring_hostgroups: [],
    monitoring_templates: [],
  };
}

/** A node's storage: one zpool with the host's disk size and free space (MB). */
function storageView(h: HostInventoryView) {
  return {
    node: h.name,
    zpool: ZPOOL,
    alias: ZPOOL,
    owner: 'admin',
    access: 3,
    type: 1,
    desc: '',
    size: h.diskMb,
    size_free: h.diskFreeMb,
    size_coef: '1.0',
  };
}

/** A VM on a node. */
function vmView(v: HostVmView, node: string) {
  return {
    hostname: v.name,
    uuid: v.id,
    alias: v.displayName,
    owner: v.accountName,
    node,
    status: v.state.toLowerCase(),
    vcpus: v.cpuNumber,
    ram: v.memoryMb,
  };
}

/**
 * The zone of the DC a /dc/<dc>/node/ path names (the DC's attached nodes), or undefined for every node: node paths are
 * DC-unbound, so q.dc is always main and the DC comes from the path alone.
 */
async function pathZone(q: DanubeRequest): Promise<string | undefined> {
  if (q.params.dc === undefined) return undefined;
  return (await resolveDc(q.core, q.params.dc)).zoneId ?? undefined;
}

/** The node named by :hostname (SuperAdmin only); 404 `Node not found`. */
async function nodeOf(q: DanubeRequest): Promise<HostInventoryView> {
  requireSuperAdmin(q);
  try {
    const h = await q.core.hostInventory.get(q.ctx, q.params.hostname ?? '');
    const zoneId = await pathZone(q);
    if (zoneId && h.zoneId !== zoneId) throw apiError(404, 'Node not found');
    return h;
  } catch (err) {
    if (err instanceof CoreError && err.kind === 'NotFound') throw apiError(404, 'Node not found');
    throw err;
  }
}

/** Names, or objects with full/extended, sorted by order_by. */
function listed<T extends Record<string, unknown>>(
  q: DanubeRequest,
  items: T[],
  key: keyof T & string,
  fields: string[],
) {
  const sorted = sortBy(q, items, fields, key);
  return ok(q, flag(q, 'full') || flag(q, 'extended') ? sorted : sorted.map((v) => v[key]));
}

/** Registers the node routes (also the DC's attached nodes as /dc/<dc>/node/: the hosts of its zone). */
export function nodeRoutes(r: DanubeRouter): void {
  r.get(
    '/node/',
    async (q) => {
      requireSuperAdmin(q);
      const hosts = await q.core.hostInventory.list(q.ctx, await pathZone(q));
      return listed(q, hosts.map(nodeView), 'hostname', ['hostname', 'status', 'cpu', 'ram']);
    },
    'Compute nodes: hostnames, or objects with full=true (SuperAdmin).',
  );
  r.get(
    '/node/define/',
    async (q) => {
      requireSuperAdmin(q);
      const hosts = await q.core.hostInventory.list(q.ctx, await pathZone(q));
      return ok(q, sortBy(q, hosts.map(defineView), ['hostname'], 'hostname'));
    },
    "Every node's definition.",
  );
  r.get('/node/:hostname/', async (q) => ok(q, nodeView(await nodeOf(q))), 'One node.');
  r.get('/node/:hostname/define/', async (q) => ok(q, defineView(await nodeOf(q))), "A node's definition.");
  r.put(
    '/node/:hostname/define/',
    async (q) => {
      const h = await nodeOf(q);
      const p = readParams(q, {
        status: { type: 'int', choices: [1, 2] },
        note: { type: 'str', maxLength: 1024 },
        is_compute: { type: 'bool' },
        is_backup: { type: 'bool' },
        owner: { type: 'str', choices: ['admin'] },
        address: { type: 'str' },
        cpu_coef: { type: 'any' },
        ram_coef: { type: 'any' },
      });
      const { receipt, host } = await q.core.hostInventory.update(q.ctx, h.id, {
        ...(p.status !== undefined ? { maintenance: p.status === 1 } : {}),
        ...(p.note !== undefined ? { note: p.note } : {}),
      });
      return ok(q, defineView(host), { taskId: receipt.taskId });
    },
    'Changes a node: status 1 puts it in maintenance (no new VMs are placed on it), 2 brings it back online; note.',
  );
  r.get(
    '/node/:hostname/storage/',
    async (q) => listed(q, [storageView(await nodeOf(q))], 'zpool', ['zpool']),
    "A node's storages: zpool names, or objects with full=true.",
  );
  r.get(
    '/node/:hostname/storage/:zpool/',
    async (q) => {
      const h = await nodeOf(q);
      if (q.params.zpool !== ZPOOL) throw apiError(404, 'Storage not found');
      return ok(q, storageView(h));
    },
    'One storage of a node.',
  );
  r.get(
    '/node/:hostname/vm/',
    async (q) => {
      const h = await nodeOf(q);
      const vms = (await q.core.hostInventory.vms(q.ctx, h.id)).map((v) => vmView(v, h.name));
      return listed(q, vms, 'hostname', ['hostname', 'status']);
    },
    'The VMs on a node, of every account: hostnames, or objects with full=true.',
  );
  for (const method of ['post', 'delete'] as const)
    r[method](
      '/dc/:dc/node/:hostname/',
      async (q) => {
        requireSuperAdmin(q);
        throw apiError(501, 'Operation not supported');
      },
      "Attaching and detaching nodes is not supported: a DC is a zone and owns its zone's hosts.",
    );
}
