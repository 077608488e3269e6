/** /network/<name>/ip/: the addresses of a network (VM NICs, reservations with notes, the gateway) through the core IPAM. */
import type { AddressView } from '../../../core/networks/addresses.js';
import { CoreError } from '../../../lib/errors.js';
import { isIpv4 } from '../../../core/net/ip.js';
import { apiError, ok } from '../answers.js';
import { readParams, sortBy } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { networkOf, type Named } from '../networks.js';

/** Danube's IP usage codes: 1 server, 2 other. */
const USAGE_SERVER = 1;
const USAGE_OTHER = 2;

/** An address as Danube shows it. */
function ipView(a: AddressView, net: string) {
  return {
    ip: a.ip,
    net,
    hostname: a.vmName,
    vm_uuid: a.vmId,
    mac: a.mac,
    nic_id: a.nicIndex,
    usage: a.usage ?? (a.holder === 'nic' ? USAGE_SERVER : USAGE_OTHER),
    note: a.holder === 'gateway' && a.note === '' ? 'gateway' : a.note,
  };
}

/** The address named by :ip of the network, or 404 `IP address not found`. */
async function addressOf(q: DanubeRequest, n: Named): Promise<AddressView> {
  const a = (await q.core.networkAddresses.list(q.ctx, n.net.id)).find((x) => x.ip === q.params.ip);
  if (!a) throw apiError(404, 'IP address not found');
  return a;
}

/** Runs a core call, answering its NotFound as Danube's `<what> not found`. */
async function orNotFound<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof CoreError && err.kind === 'NotFound') throw apiError(404, `${what} not found`);
    throw err;
  }
}

/** Registers the address routes of networks. */
export function networkIpRoutes(r: DanubeRouter): void {
  r.get(
    '/network/:name/ip/',
    async (q) => {
      const n = await networkOf(q);
      const p = readParams(q, { usage: { type: 'int', choices: [USAGE_SERVER, USAGE_OTHER] } });
      const ips = (await q.core.networkAddresses.list(q.ctx, n.net.id)).map((a) => ipView(a, n.name));
      const shown = ips.filter((a) => p.usage === undefined || a.usage === p.usage);
      const pad = (ip: string) => ip.replace(/\d+/g, (o) => o.padStart(3, '0'));
      const sorted = sortBy(
        q,
        shown.map((a) => ({ ...a, ip: pad(a.ip), shownIp: a.ip })),
        ['ip', 'hostname', 'usage'],
        'ip',
      );
      return ok(
        q,
        sorted.map(({ shownIp, ...a }) => ({ ...a, ip: shownIp })),
      );
    },
    'The addresses in use or reserved in a network (filter usage; order_by ip).',
  );
  r.delete(
    '/network/:name/ip/',
    async (q) => {
      const n = await networkOf(q);
      const p = readParams(q, { ips: { type: 'list', required: true } });
      const ips = p.ips!.map(String);
      const held = new Map((await q.core.networkAddresses.list(q.ctx, n.net.id)).map((a) => [a.ip, a.holder]));
      if (ips.some((ip) => !held.has(ip))) throw apiError(404, 'IP address not found');
      if (ips.some((ip) => held.get(ip) !== 'reserved')) throw apiError(428, 'IP address is used by a VM');
      let taskId: string | undefined;
      for (const ip of ips) taskId = (await q.core.networkAddresses.free(q.ctx, n.net.id, ip)).taskId;
      return ok(q, null, taskId ? { taskId } : {});
    },
    'Frees several reserved addresses (ips); 428 if one is held by a VM.',
  );
  r.get(
    '/network/:name/ip/:ip/',
    async (q) => {
      const n = await networkOf(q);
      return ok(q, ipView(await addressOf(q, n), n.name));
    },
    'One address of a network.',
  );
  r.post(
    '/network/:name/ip/:ip/',
    async (q) => {
      const n = await networkOf(q);
      const p = readParams(q, {
        usage: { type: 'int', choices: [USAGE_SERVER, USAGE_OTHER], default: USAGE_OTHER },
        note: { type: 'str', maxLength: 255 },
      });
      if (!isIpv4(q.params.ip ?? '')) throw apiError(400, { ip: ['Enter a valid IPv4 address.'] });
      const receipt = await orNotFound('Network', () =>
        q.core.networkAddresses.reserve(q.ctx, n.net.id, q.params.ip!, { note: p.note, usage: p.usage }),
      );
      return ok(q, ipView(await addressOf(q, n), n.name), { status: 201, taskId: receipt.taskId });
    },
    'Reserves an address of a network so no VM is given it (usage, note).',
  );
  r.put(
    '/network/:name/ip/:ip/',
    async (q) => {
      const n = await networkOf(q);
      await addressOf(q, n);
      const p = readParams(q, {
        usage: { type: 'int', choices: [USAGE_SERVER, USAGE_OTHER] },
        note: { type: 'str', maxLength: 255 },
      });
      const receipt = await orNotFound('IP address', () =>
        q.core.networkAddresses.update(q.ctx, n.net.id, q.params.ip!, { note: p.note, usage: p.usage }),
      );
      return ok(q, ipView(await addressOf(q, n), n.name), { taskId: receipt.taskId });
    },
    "Changes an address's note or usage.",
  );
  r.delete(
    '/network/:name/ip/:ip/',
    async (q) => {
      const n = await networkOf(q);
      await addressOf(q, n);
      const receipt = await orNotFound('IP address', () => q.core.networkAddresses.free(q.ctx, n.net.id, q.params.ip!));
      return ok(q, null, { taskId: receipt.taskId });
    },
    'Frees a reserved address; 428 for an address a VM holds.',
  );
}
