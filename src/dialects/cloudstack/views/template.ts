/** The job result of registerCustomTemplate: a one-element `template` list, as Exoscale answers it. */
import { registerResult } from '../results.js';
import { csTemplate } from '../commands/catalog/list-templates.js';
import { csTags } from './common.js';

registerResult('registered-template', async (core, ctx, res) => {
  const t = await core.templates.get(ctx, res.id, { includeRemoved: true });
  const zones = t.zone_id ? [await core.catalog.zone(t.zone_id)] : await core.catalog.listZones();
  const tags = (await core.tags.forResources(ctx, [t.id])).get(t.id) ?? [];
  const template = [];
  for (const z of zones) template.push({ ...(await csTemplate(core, t, z, ctx.accountName)), tags: csTags(tags, 'Template', t.id, ctx.accountName) });
  return { template };
});
