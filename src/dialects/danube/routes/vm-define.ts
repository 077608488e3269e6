/** /vm/define/ and /vm/<h>/define/: VM definitions and their disks (define/disk/<1-9>/); NICs are in vm-define-nics.ts. */
import type { VmView } from '../../../core/vms/model.js';
import { apiError, failure, ok } from '../answers.js';
import { flag, readParams, sortBy, type FieldSpec } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';
import { OSTYPES, defineObject, diskObject, indexOf, vmContext, vmOf, vmsInDc } from './vm-views.js';
import { nicRoutes } from './vm-define-nics.js';
import { diskImageNamed } from './image.js';

const HOSTNAME = /^[A-Za-z0-9][A-Za-z0-9.-]+[A-Za-z0-9]$/;
const DISK_MODELS = ['virtio', 'ide', 'scsi', 'sata', 'nvme'];

/** The fields of a definition (POST requires vcpus and ram); settings are kept as strings. */
const DEFINE: Record<string, FieldSpec> = {
  vcpus: { type: 'int', min: 1, max: 64 },
  ram: { type: 'int', min: 32, max: 1048576 },
  alias: { type: 'str', maxLength: 24 },
  template: { type: 'str', maxLength: 255, nullable: true },
  ostype: { type: 'int', choices: OSTYPES },
  hvm_type: { type: 'any' },
  note: { type: 'str', maxLength: 2048 },
  owner: { type: 'str', maxLength: 255 },
  node: { type: 'str', maxLength: 255, nullable: true },
  tags: { type: 'list' },
  monitored: { type: 'bool' },
  installed: { type: 'bool' },
  cpu_type: { type: 'str', maxLength: 32 },
  vga: { type: 'str', choices: ['std', 'cirrus', 'vmware'] },
  dns_domain: { type: 'str', maxLength: 255 },
};

/** Settings a definition keeps for Danube, from the request's fields. */
const SETTINGS = ['ostype', 'hvm_type', 'monitored', 'installed', 'cpu_type', 'vga', 'dns_domain'] as const;

/** A template (Danube's template or disk image) by catalog name, Danube image name or id, or undefined for none; a FAILURE on `field` when unknown. */
async function templateId(q: DanubeRequest, ref: string | null | undefined, field: string) {
  if (ref === undefined) return undefined;
  if (ref === null || ref === '') return null;
  const t =
    (await q.core.catalog.visibleTemplates(q.ctx, 'executable')).find((x) => x.name === ref || x.id === ref) ??
    (await diskImageNamed(q, ref));
  if (!t) throw failure(q, { [field]: [`Object with name=${ref} does not exist.`] });
  return t.id;
}

/** The definition fields of a POST or PUT, in the core's words. */
async function definitionInput(q: DanubeRequest, creating: boolean) {
  const spec = creating
    ? { ...DEFINE, vcpus: { ...DEFINE.vcpus!, required: true }, ram: { ...DEFINE.ram!, required: true } }
    : DEFINE;
  const p = readParams(q, spec);
  if (p.alias !== undefined && String(p.alias).length < 4)
    throw failure(q, { alias: ['Ensure this value has at least 4 characters.'] });
  const settings: Record<string, string> = {};
  for (const k of SETTINGS) if (p[k] !== undefined && p[k] !== null) settings[k] = String(p[k]);
  return {
    cpuCount: p.vcpus as number | undefined,
    memoryMb: p.ram as number | undefined,
    displayName: p.alias as string | undefined,
    note: p.note as string | undefined,
    templateId: (await templateId(q, p.template as string | null | undefined, 'template')) ?? undefined,
    settings,
  };
}

/** A definition's answer: the VM's definition object (full: with disks and NICs). */
async function defineAnswer(q: DanubeRequest, vm: VmView, full: boolean) {
  return defineObject(vm, await vmContext(q, [vm]), full);
}

/** Registers the definition routes. */
export function vmDefineRoutes(r: DanubeRouter): void {
  r.get(
    '/vm/define/',
    async (q) => {
      const vms = await vmsInDc(q);
      const c = await vmContext(q, vms);
      const full = flag(q, 'full');
      return ok(
        q,
        sortBy(
          q,
          vms.map((vm) => defineObject(vm, c, full)),
          ['hostname'],
          'hostname',
        ),
      );
    },
    'The definitions of your VMs.',
  );
  r.get(
    '/vm/:vm/define/',
    async (q) => ok(q, await defineAnswer(q, await vmOf(q), flag(q, 'full'))),
    'A VM definition.',
  );
  r.post(
    '/vm/:vm/define/',
    async (q) => {
      const hostname = q.params.vm ?? '';
      if (hostname.length < 4 || hostname.length > 128 || !HOSTNAME.test(hostname))
        throw failure(q, { hostname: ['Enter a valid hostname.'] });
      const input = await definitionInput(q, true);
      const receipt = await q.core.vms.define(q.ctx, {
        ...input,
        name: hostname,
        cpuCount: input.cpuCount!,
        memoryMb: input.memoryMb!,
        zoneId: q.dc.zoneId ?? undefined,
      });
      const vm = await q.core.vms.get(q.ctx, receipt.objectId);
      return ok(q, await defineAnswer(q, vm, false), { status: 201, taskId: receipt.taskId });
    },
    'Defines a new VM.',
  );
  r.put(
    '/vm/:vm/define/',
    async (q) => {
      const vm = await vmOf(q);
      const input = await definitionInput(q, false);
      const receipt = await q.core.vms.updateDefinition(q.ctx, vm.id, input);
      return ok(q, await defineAnswer(q, await q.core.vms.get(q.ctx, vm.id), false), { taskId: receipt.taskId });
    },
    'Changes a VM definition.',
  );
  r.delete(
    '/vm/:vm/define/',
    async (q) => {
      const vm = await vmOf(q);
      if (vm.state !== 'defined') throw apiError(423, 'VM is not notcreated');
      const receipt = await q.core.vms.deleteDefinition(q.ctx, vm.id);
      return ok(q, null, { taskId: receipt.taskId });
    },
    'Deletes a VM definition.',
  );
  diskRoutes(r);
  nicRoutes(r);
}

const DISK: Record<string, FieldSpec> = {
  size: { type: 'int', min: 1, max: 16777216 },
  image: { type: 'str', maxLength: 255, nullable: true },
  model: { type: 'str', choices: DISK_MODELS },
  boot: { type: 'bool' },
  block_size: { type: 'int' },
  compression: { type: 'str' },
  zpool: { type: 'str' },
  refreservation: { type: 'int' },
  image_tags_inherit: { type: 'bool' },
};

function diskRoutes(r: DanubeRouter): void {
  const disks = async (q: DanubeRequest, vm: VmView) => (await q.core.vms.definitions(q.ctx, [vm])).get(vm.id)!.disks;
  const answer = async (q: DanubeRequest, vmId: string, i: number, status: 200 | 201, taskId: string) => {
    const vm = await q.core.vms.get(q.ctx, vmId);
    const c = await vmContext(q, [vm]);
    return ok(q, diskObject(c.defs.get(vm.id)!.disks[i - 1]!, c), { status, taskId });
  };
  r.get(
    '/vm/:vm/define/disk/',
    async (q) => {
      const vm = await vmOf(q);
      const c = await vmContext(q, [vm]);
      return ok(
        q,
        c.defs.get(vm.id)!.disks.map((d) => diskObject(d, c)),
      );
    },
    'The disks of a VM definition.',
  );
  r.get(
    '/vm/:vm/define/disk/:disk/',
    async (q) => {
      const i = indexOf(q, 'disk', 9);
      const vm = await vmOf(q);
      const c = await vmContext(q, [vm]);
      const d = c.defs.get(vm.id)!.disks[i - 1];
      if (!d) throw apiError(406, 'VM disk out of range');
      return ok(q, diskObject(d, c));
    },
    'One disk of a VM definition.',
  );
  r.post(
    '/vm/:vm/define/disk/:disk/',
    async (q) => {
      const i = indexOf(q, 'disk', 9);
      const vm = await vmOf(q);
      const count = (await disks(q, vm)).length;
      if (i <= count) throw apiError(406, 'VM disk already exists');
      if (i > count + 1) throw apiError(406, 'VM disk out of range');
      const p: Record<string, unknown> = readParams(q, { ...DISK, size: { ...DISK.size!, required: true } });
      const receipt = await q.core.vms.disks.add(q.ctx, vm.id, i, {
        sizeMb: p.size as number,
        templateId: (await templateId(q, p.image as string | null | undefined, 'image')) ?? null,
        model: p.model as string | undefined,
        boot: p.boot as boolean | undefined,
      });
      return answer(q, vm.id, i, 201, receipt.taskId);
    },
    'Adds a disk to a VM definition.',
  );
  r.put(
    '/vm/:vm/define/disk/:disk/',
    async (q) => {
      const i = indexOf(q, 'disk', 9);
      const vm = await vmOf(q);
      if (i > (await disks(q, vm)).length) throw apiError(406, 'VM disk out of range');
      const p = readParams(q, DISK);
      const receipt = await q.core.vms.disks.update(q.ctx, vm.id, i, {
        sizeMb: p.size as number | undefined,
        templateId: await templateId(q, p.image as string | null | undefined, 'image'),
        model: p.model as string | undefined,
        boot: p.boot as boolean | undefined,
      });
      return answer(q, vm.id, i, 200, receipt.taskId);
    },
    'Changes a disk of a VM definition.',
  );
  r.delete(
    '/vm/:vm/define/disk/:disk/',
    async (q) => {
      const i = indexOf(q, 'disk', 9);
      const vm = await vmOf(q);
      if (i > (await disks(q, vm)).length) throw apiError(406, 'VM disk out of range');
      const receipt = await q.core.vms.disks.remove(q.ctx, vm.id, i);
      return ok(q, null, { taskId: receipt.taskId });
    },
    'Removes a disk of a VM definition.',
  );
}
