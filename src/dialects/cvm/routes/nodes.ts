/** Node calls: the hosts the caller's VPSes run on. */
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../../core/core.js';
import { cvmContext } from '../auth.js';
import { cvmNode } from '../views.js';
import { IdParams, ok, type IdParamsT } from './common.js';

/** Registers node/list and node/ID. */
export function nodeRoutes(app: FastifyInstance, core: Core): void {
  app.get('/node/list', async (req) =>
    ok({ nodes: (await core.nodes.listNodes(cvmContext(req, 'node/list'))).map((n) => cvmNode(n, true)) }),
  );
  app.get<{ Params: IdParamsT }>('/node/:id', { schema: { params: IdParams } }, async (req) =>
    ok(cvmNode(await core.nodes.node(cvmContext(req, 'node'), Number(req.params.id)), false)),
  );
}
