/** What a VPS can be made of: images (flat and grouped by distribution) and resource profiles (plans). */
import { Type } from '@sinclair/typebox';
import { nullable } from '../nullable.js';
import type { Core } from '../../../core/core.js';
import { ctxNeeding } from '../auth.js';
import { COMMON_ERRORS } from '../envelope.js';
import { groupImages, type VpsImage } from '../images.js';
import { PLANS } from '../plans.js';
import { imagesFor } from '../vps-shared.js';
import type { RestApp } from '../app-type.js';

const tags = ['VPS'];
const security = [{ bearerAuth: [] }];

const Image = Type.Object({
  id: Type.String(),
  image: Type.String(),
  label: Type.String(),
  description: Type.String(),
  distro: Type.String(),
  version: Type.String(),
  family: nullable(Type.String()),
  default_user: Type.String(),
});

const Plan = Type.Object({
  slug: Type.String(),
  display_name: Type.String(),
  type: Type.String(),
  cpu_cores: Type.Integer(),
  memory_gb: Type.Number(),
  storage_gb: Type.Integer(),
  monthly_cost: Type.Number(),
  available: Type.Boolean(),
});

/** An image without the core's template id. */
function shown(i: VpsImage) {
  const { templateId: _templateId, ...rest } = i;
  return rest;
}

/** /vps/images, /vps/images/grouped, /vps/plans. */
export function vpsCatalogRoutes(app: RestApp, core: Core): void {
  app.get(
    '/vps/images',
    {
      schema: {
        summary: 'Images a VPS can be created from',
        tags,
        security,
        response: { 200: Type.Object({ images: Type.Array(Image) }), ...COMMON_ERRORS },
      },
    },
    async (req) => ({ images: (await imagesFor(core, ctxNeeding(req, 'vps/images', 'vps:read'))).map(shown) }),
  );
  app.get(
    '/vps/images/grouped',
    {
      schema: {
        summary: 'Images grouped by distribution',
        tags,
        security,
        response: {
          200: Type.Object({
            groups: Type.Array(Type.Object({ distro: Type.String(), name: Type.String(), images: Type.Array(Image) })),
          }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (req) => ({
      groups: groupImages(await imagesFor(core, ctxNeeding(req, 'vps/images/grouped', 'vps:read'))).map((g) => ({
        ...g,
        images: g.images.map(shown),
      })),
    }),
  );
  app.get(
    '/vps/plans',
    {
      schema: {
        summary: 'Resource profiles (plans) with their monthly cost',
        tags,
        security,
        response: { 200: Type.Object({ plans: Type.Array(Plan) }), ...COMMON_ERRORS },
      },
    },
    async (req) => {
      ctxNeeding(req, 'vps/plans', 'vps:read');
      const offerings = new Set((await core.catalog.listServiceOfferings()).map((o) => o.name));
      return {
        plans: PLANS.map((p) => ({
          slug: p.slug,
          display_name: p.displayName,
          type: p.type,
          cpu_cores: p.cpuCores,
          memory_gb: p.memoryGb,
          storage_gb: p.storageGb,
          monthly_cost: p.monthlyCents / 100,
          available: offerings.has(p.offering),
        })),
      };
    },
  );
}
