/** /vm/<h>/define/nic/ and define/nic/<1-16>/: the NICs of a VM definition (network by name, address, MAC, model). */
import type { VmView } from '../../../core/vms/model.js';
import { apiError, failure, ok } from '../answers.js';
import { readParams, type FieldSpec } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { indexOf, nicObject, vmContext, vmOf } from './vm-views.js';
import { namedNetworks } from '../networks.js';

const NIC_MODELS = ['virtio', 'e1000', 'rtl8139'];

/** A network in the VM's zone by its name, its Danube name (as `GET /network` lists it) or id, or a FAILURE on net. */
async function networkId(q: DanubeRequest, vm: VmView, ref: string): Promise<string> {
  const nets = (await q.core.networks.list(q.ctx, { zoneId: vm.zoneId })).items;
  const n =
    nets.find((x) => x.name === ref) ??
    nets.find((x) => x.id === ref) ??
    (await namedNetworks(q)).find((x) => x.name === ref && x.net.zoneId === vm.zoneId)?.net;
  if (!n) throw failure(q, { net: [`Object with name=${ref} does not exist.`] });
  return n.id;
}

const NIC: Record<string, FieldSpec> = {
  net: { type: 'str', maxLength: 255 },
  ip: { type: 'str', maxLength: 64, nullable: true },
  mac: { type: 'str', maxLength: 32 },
  model: { type: 'str', choices: NIC_MODELS },
  dns: { type: 'bool' },
  primary: { type: 'bool' },
  monitoring: { type: 'bool' },
  use_net_dns: { type: 'bool' },
  set_gateway: { type: 'bool' },
  allow_dhcp_spoofing: { type: 'bool' },
  allow_ip_spoofing: { type: 'bool' },
  allow_mac_spoofing: { type: 'bool' },
  allow_restricted_traffic: { type: 'bool' },
  allow_unfiltered_promisc: { type: 'bool' },
  allowed_ips: { type: 'list' },
};

/** Registers the NIC routes of definitions. */
export function nicRoutes(r: DanubeRouter): void {
  const answer = async (q: DanubeRequest, vmId: string, i: number, status: 200 | 201, taskId: string) => {
    const vm = await q.core.vms.get(q.ctx, vmId);
    return ok(q, nicObject(vm, i - 1, await vmContext(q, [vm])), { status, taskId });
  };
  r.get(
    '/vm/:vm/define/nic/',
    async (q) => {
      const vm = await vmOf(q);
      const c = await vmContext(q, [vm]);
      return ok(
        q,
        vm.nics.map((_, i) => nicObject(vm, i, c)),
      );
    },
    'The NICs of a VM definition.',
  );
  r.get(
    '/vm/:vm/define/nic/:nic/',
    async (q) => {
      const i = indexOf(q, 'nic', 16);
      const vm = await vmOf(q);
      if (i > vm.nics.length) throw apiError(406, 'VM NIC out of range');
      return ok(q, nicObject(vm, i - 1, await vmContext(q, [vm])));
    },
    'One NIC of a VM definition.',
  );
  r.post(
    '/vm/:vm/define/nic/:nic/',
    async (q) => {
      const i = indexOf(q, 'nic', 16);
      const vm = await vmOf(q);
      if (i <= vm.nics.length) throw apiError(406, 'VM NIC already exists');
      if (i > vm.nics.length + 1) throw apiError(406, 'VM NIC out of range');
      const p: Record<string, unknown> = readParams(q, { ...NIC, net: { ...NIC.net!, required: true } });
      const receipt = await q.core.nics.defined.add(q.ctx, vm.id, i, {
        networkId: await networkId(q, vm, p.net as string),
        ipAddress: (p.ip as string | null | undefined) ?? undefined,
        macAddress: p.mac as string | undefined,
        model: p.model as string | undefined,
      });
      return answer(q, vm.id, i, 201, receipt.taskId);
    },
    'Adds a NIC to a VM definition.',
  );
  r.put(
    '/vm/:vm/define/nic/:nic/',
    async (q) => {
      const i = indexOf(q, 'nic', 16);
      const vm = await vmOf(q);
      if (i > vm.nics.length) throw apiError(406, 'VM NIC out of range');
      const p = readParams(q, NIC);
      const receipt = await q.core.nics.defined.update(q.ctx, vm.id, i, {
        networkId: p.net !== undefined ? await networkId(q, vm, p.net as string) : undefined,
        ipAddress: p.ip as string | null | undefined,
        macAddress: p.mac as string | undefined,
        model: p.model as string | undefined,
      });
      return answer(q, vm.id, i, 200, receipt.taskId);
    },
    'Changes a NIC of a VM definition.',
  );
  r.delete(
    '/vm/:vm/define/nic/:nic/',
    async (q) => {
      const i = indexOf(q, 'nic', 16);
      const vm = await vmOf(q);
      if (i > vm.nics.length) throw apiError(406, 'VM NIC out of range');
      const receipt = await q.core.nics.defined.remove(q.ctx, vm.id, i);
      return ok(q, null, { taskId: receipt.taskId });
    },
    'Removes a NIC of a VM definition.',
  );
}
