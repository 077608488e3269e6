/** Template calls: the templates the caller may install with reinstall. */
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../../core/core.js';
import { cvmContext } from '../auth.js';
import { cvmTemplate } from '../views.js';
import { IdParams, ok, type IdParamsT } from './common.js';

/** Registers template/list and template/ID. */
export function templateRoutes(app: FastifyInstance, core: Core): void {
  app.get('/template/list', async (req) =>
    ok({ templates: (await core.nodes.listTemplates(cvmContext(req, 'template/list'))).map(cvmTemplate) }),
  );
  app.get<{ Params: IdParamsT }>('/template/:id', { schema: { params: IdParams } }, async (req) =>
    ok(cvmTemplate(await core.nodes.template(cvmContext(req, 'template'), Number(req.params.id)))),
  );
}
