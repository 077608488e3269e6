/** A template as CloudStack's `template` object (one per zone it is in), and the job result of registerCustomTemplate. */
import type { Core } from '../../../core/core.js';
import type { CallContext } from '../../../lib/context.js';
import type { TemplateRow, ZoneRow } from '../../../core/catalog/service.js';
import { flag, parseJson } from '../../../lib/util.js';
import { csDate, csTags } from './common.js';

/** A template as CloudStack lists it (one entry per zone it is in). */
export async function csTemplate(
  core: Core,
  t: TemplateRow,
  zone: ZoneRow,
  accountName: string,
): Promise<Record<string, unknown>> {
  const os = await core.catalog.osType(t.os_type_id);
  return {
    id: t.id,
    name: t.name,
    displaytext: t.display_text,
    size: Number(t.size),
    format: t.format,
    hypervisor: 'KVM',
    ostypeid: t.os_type_id,
    ostypename: os?.description ?? 'Other (64-bit)',
    oscategoryid: os?.category_id,
    oscategoryname: os?.category_name,
    isfeatured: flag(t.featured),
    ispublic: flag(t.public),
    isready: flag(t.ready),
    passwordenabled: flag(t.password_enabled),
    sshkeyenabled: flag(t.sshkey_enabled),
    isextractable: true,
    isdynamicallyscalable: false,
    crossZones: t.zone_id === null,
    checksum: t.checksum ?? undefined,
    created: csDate(t.created_at),
    templatetype: t.template_type,
    bootmode: t.boot_mode,
    details: parseJson(t.details, undefined),
    zoneid: zone.id,
    zonename: zone.name,
    status: t.ready === 1 ? 'Download Complete' : t.state,
    account: t.account_id ? accountName : 'system',
    directdownload: false,
    tags: [],
  };
}

/** The job result of registerCustomTemplate: a one-element `template` list, as Exoscale answers it. */
export async function registeredTemplateResult(
  core: Core,
  ctx: CallContext,
  res: { id: string },
): Promise<Record<string, unknown>> {
  const t = await core.templates.get(ctx, res.id, { includeRemoved: true });
  const zones = t.zone_id ? [await core.catalog.zone(t.zone_id)] : await core.catalog.listZones();
  const tags = (await core.tags.forResources(ctx, [t.id])).get(t.id) ?? [];
  const template = [];
  for (const z of zones)
    template.push({
      ...(await csTemplate(core, t, z, ctx.accountName)),
      tags: csTags(tags, 'Template', t.id, ctx.accountName),
    });
  return { template };
}
