/**
 * /image/, /template/ and /iso/ over Nube's catalog: images are the disk templates, Danube "templates" (VM presets) are
 * the service offerings, ISOs are the catalog's ISO templates. Names are slugs of catalog names (see slugNames).
 * Images are imported from a manifest; templates and ISOs are read-only here (501).
 */
import type { Core } from '../../../core/core.js';
import type { TemplateRow } from '../../../core/catalog/service.js';
import { CoreError } from '../../../lib/errors.js';
import { apiError, failure, ok, taskStarted } from '../answers.js';
import { flag, readParams, sortBy } from '../params.js';
import type { DanubeRequest } from '../request.js';
import type { DanubeRouter } from '../router.js';

const MIB = 1024 * 1024;
/** A catalog service offering. */
type Offering = Awaited<ReturnType<Core['catalog']['listServiceOfferings']>>[number];
/** Danube's image statuses. */
const IMAGE_READY = 1;
const IMAGE_PENDING = 2;

/**
 * Danube names of catalog objects: every run of characters other than letters, digits, dot, dash and underscore becomes
 * one dash (leading and trailing dashes dropped); when two objects get the same slug, each becomes
 * `<slug>-<first 8 characters of its id>`.
 */
function slugNames<T extends { id: string; name: string }>(items: T[]): Array<{ name: string; item: T }> {
  const slug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'unnamed';
  const counts = new Map<string, number>();
  for (const i of items) counts.set(slug(i.name), (counts.get(slug(i.name)) ?? 0) + 1);
  return items.map((item) => {
    const s = slug(item.name);
    return { name: counts.get(s) === 1 ? s : `${s}-${item.id.slice(0, 8)}`, item };
  });
}

/** Danube's ostype of an OS category: 1 Linux, 3 BSD, 4 Windows. */
function ostypeOf(category: string): number {
  if (/windows/i.test(category)) return 4;
  if (/bsd/i.test(category)) return 3;
  return 1;
}

/** The disk or ISO templates the caller sees in the DC in force, with their Danube names. */
async function templatesOf(q: DanubeRequest, iso: boolean): Promise<Array<{ name: string; item: TemplateRow }>> {
  const rows = (await q.core.catalog.visibleTemplates(q.ctx, 'executable')).filter(
    (t) => (t.format.toUpperCase() === 'ISO') === iso,
  );
  return slugNames(rows).filter((n) => !q.dc.zoneId || !n.item.zone_id || n.item.zone_id === q.dc.zoneId);
}

/** Danube names of disk images by template id (as `GET /image` lists them), from the templates the caller sees. */
export function diskImageNames(visible: TemplateRow[]): Map<string, string> {
  return new Map(slugNames(visible.filter((t) => t.format.toUpperCase() !== 'ISO')).map((n) => [n.item.id, n.name]));
}

/** The disk image the caller sees under this Danube name (as `GET /image` lists it), else undefined. */
export async function diskImageNamed(q: DanubeRequest, name: string): Promise<TemplateRow | undefined> {
  return (await templatesOf(q, false)).find((n) => n.name === name)?.item;
}

/** The version an imported image's manifest gave, else 1.0. */
function versionOf(details: string | null): string {
  try {
    const v = details ? (JSON.parse(details) as { version?: unknown }).version : undefined;
    return typeof v === 'string' ? v : '1.0';
  } catch {
    return '1.0';
  }
}

/** An image (or ISO) as Danube shows it. */
async function imageView(q: DanubeRequest, n: { name: string; item: TemplateRow }) {
  const t = n.item;
  const os = await q.core.catalog.osType(t.os_type_id);
  const zone = t.zone_id ? await q.core.catalog.zoneOrUndefined(t.zone_id) : undefined;
  return {
    name: n.name,
    uuid: t.id,
    alias: t.name,
    version: versionOf(t.details),
    owner: t.account_id === null ? 'admin' : q.ctx.accountName,
    access: t.public === 1 ? 1 : 3,
    desc: t.display_text,
    ostype: ostypeOf(os?.category_name ?? ''),
    size: Math.round(Number(t.size) / MIB),
    resize: false,
    deploy: false,
    tags: [],
    status: t.ready === 1 ? IMAGE_READY : IMAGE_PENDING,
    created: t.created_at,
    dc_bound: zone !== undefined,
    dc: zone?.name ?? null,
  };
}

/** A service offering as a Danube VM template. */
function templateView(n: { name: string; item: Offering }) {
  const o = n.item;
  return {
    name: n.name,
    uuid: o.id,
    alias: o.name,
    access: 1,
    owner: 'admin',
    desc: o.display_text,
    ostype: null,
    dc_bound: false,
    vm_define: { vcpus: Number(o.cpu_number), ram: Number(o.memory) },
    vm_define_disk: [],
    vm_define_nic: [],
    vm_define_snapshot: [],
    vm_define_backup: [],
    created: o.created_at,
  };
}

/** Names, or objects with full/extended, in order_by order. */
function listed<T extends { name: string }>(q: DanubeRequest, views: T[], fields: string[]) {
  const sorted = sortBy(q, views as Array<T & Record<string, unknown>>, fields, 'name');
  return ok(q, flag(q, 'full') || flag(q, 'extended') ? sorted : sorted.map((v) => v.name));
}

/** The image named :name (or with that uuid), or 404 `<what> not found`. */
async function findTemplate(q: DanubeRequest, iso: boolean) {
  const name = q.params.name ?? '';
  const found = (await templatesOf(q, iso)).find((n) => n.name === name || n.item.id === name);
  if (!found) throw apiError(404, iso ? 'Iso not found' : 'Image not found');
  return found;
}

/** Field errors of an import under Danube's parameter names. */
function danubeFields(fields: Record<string, string[]>): Record<string, string[]> {
  const names: Record<string, string> = { manifestUrl: 'manifest_url', fileUrl: 'file_url' };
  const out: Record<string, string[]> = {};
  for (const [f, msgs] of Object.entries(fields)) out[names[f] ?? f] = msgs;
  return out;
}

/** Under /dc/<dc>/, POST and DELETE attach and detach an image in Danube: images belong to their zone, so 501. */
function notAttach(q: DanubeRequest): void {
  if (q.params.dc !== undefined) throw apiError(501, 'Operation not supported');
}

/** Refuses what Nube cannot do through this dialect. */
async function unsupported(): Promise<never> {
  throw apiError(501, 'Operation not supported');
}

/** Registers the image, template and ISO routes (the DC prefix shows what a zone offers). */
export function imageRoutes(r: DanubeRouter): void {
  r.get(
    '/image/',
    async (q) =>
      listed(q, await Promise.all((await templatesOf(q, false)).map((n) => imageView(q, n))), [
        'name',
        'created',
        'size',
      ]),
    'Images (disk templates) you may deploy: names, or objects with full=true.',
  );
  r.get('/image/:name/', async (q) => ok(q, await imageView(q, await findTemplate(q, false))), 'One image.');
  r.post(
    '/image/:name/',
    async (q) => {
      notAttach(q);
      const name = q.params.name ?? '';
      const p = readParams(q, {
        manifest_url: { type: 'str', required: true, maxLength: 2048 },
        file_url: { type: 'str', maxLength: 2048 },
        desc: { type: 'str', maxLength: 128 },
        alias: { type: 'str', maxLength: 32 },
        version: { type: 'str', maxLength: 16 },
        access: { type: 'int', choices: [1, 3] },
        owner: { type: 'str' },
        resize: { type: 'bool' },
        deploy: { type: 'bool' },
        tags: { type: 'list' },
        dc_bound: { type: 'bool' },
      });
      if ((await templatesOf(q, false)).some((n) => n.name === name)) throw apiError(406, 'Image already exists');
      const zoneId = q.dc.zoneId ?? (await q.core.catalog.listZones())[0]!.id;
      try {
        const receipt = await q.core.templateImport.importImage(q.ctx, {
          name,
          zoneId,
          manifestUrl: p.manifest_url!,
          ...(p.file_url ? { fileUrl: p.file_url } : {}),
          ...(p.desc ? { description: p.desc } : {}),
        });
        return taskStarted(q, receipt, { msg: 'Import image', objectName: name, objectType: 'image' });
      } catch (err) {
        if (err instanceof CoreError && err.kind === 'Invalid') throw failure(q, danubeFields(err.fields));
        throw err;
      }
    },
    'Imports an image from a manifest (manifest_url, file_url), fetched under the outbound rules.',
  );
  r.put('/image/:name/', unsupported, 'Changing images is not supported (501).');
  r.delete(
    '/image/:name/',
    async (q) => {
      notAttach(q);
      const n = await findTemplate(q, false);
      if (n.item.account_id !== q.ctx.accountId)
        throw apiError(403, 'You do not have permission to perform this action.');
      try {
        const receipt = await q.core.templates.delete(q.ctx, n.item.id);
        return ok(q, null, { taskId: receipt.taskId });
      } catch (err) {
        if (err instanceof CoreError && err.reason === 'in_use') throw apiError(428, 'Image is used by some VMs');
        throw err;
      }
    },
    'Deletes an image of your own; 428 while a VM uses it.',
  );
  r.get(
    '/image/:name/vm/',
    async (q) => {
      const n = await findTemplate(q, false);
      const vms = (await q.core.vms.list(q.ctx, { templateId: n.item.id })).items;
      return ok(
        q,
        vms.map((v) => v.name),
      );
    },
    'Your VMs deployed from an image.',
  );
  r.get(
    '/template/',
    async (q) =>
      listed(q, slugNames(await q.core.catalog.listServiceOfferings()).map(templateView), ['name', 'created']),
    'VM templates (Nube service offerings with vm_define vcpus and ram): names, or objects with full=true.',
  );
  r.get(
    '/template/:name/',
    async (q) => {
      const name = q.params.name ?? '';
      const found = slugNames(await q.core.catalog.listServiceOfferings()).find(
        (n) => n.name === name || n.item.id === name,
      );
      if (!found) throw apiError(404, 'Template not found');
      return ok(q, templateView(found));
    },
    'One VM template.',
  );
  for (const m of ['post', 'put', 'delete'] as const)
    r[m]('/template/:name/', unsupported, 'Templates are the catalog offerings; changing them is not supported (501).');
  r.get(
    '/iso/',
    async (q) =>
      listed(q, await Promise.all((await templatesOf(q, true)).map((n) => imageView(q, n))), ['name', 'created']),
    'ISO images: names, or objects with full=true.',
  );
  r.get('/iso/:name/', async (q) => ok(q, await imageView(q, await findTemplate(q, true))), 'One ISO image.');
  for (const m of ['post', 'put', 'delete'] as const)
    r[m]('/iso/:name/', unsupported, 'Changing ISO images is not supported (501).');
}
