/** VPS calls: list, status, start, stop, restart and reinstall; power calls wait for their task. */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Core } from '../../../core/core.js';
import { invalid } from '../../../lib/errors.js';
import { getVps, listVps, powerVps, reinstallVps, vpsStatus, type VpsAction } from '../vps.js';
import { cvmContext } from '../auth.js';
import { VM_LIST } from '../../../core/permissions.js';
import { AnswerCache, readAt } from '../../shared/answer-cache.js';
import { cvmStatus, cvmVps } from '../views.js';
import { IdParams, ok, type IdParamsT } from './common.js';
import { bodyAnnounced } from '../../../http/edge.js';

/** The content type of every answer. */
const JSON_TYPE = 'application/json; charset=utf-8';

const ReinstallInput = Type.Object({ template: Type.String({ pattern: '^[0-9]{1,15}$' }) });

/** Registers the VPS calls. */
export function vpsRoutes(app: FastifyInstance, core: Core): void {
  const answers = new AnswerCache(core, VM_LIST);
  // The list depends only on the account and its VMs' traffic counters, so its text is kept by data version for at most a second (AnswerCache.metered).
  const list = async (req: FastifyRequest, reply: FastifyReply) => {
    const ctx = cvmContext(req, 'vps/list');
    const text = await answers.metered(
      ctx,
      '',
      async (version) => ({
        text: JSON.stringify(ok({ vpses: (await listVps(core, readAt(ctx, version))).map(cvmVps) })),
        ok: true,
      }),
      req.arrivedAt,
    );
    return reply.type(JSON_TYPE).send(text);
  };
  // A kept list goes out from a callback hook (the caller is known by then), without a promise or the handler.
  const kept = (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const quiet = !bodyAnnounced(req) && core.chaos.quiet('cvm');
    const bytes = quiet ? answers.peek(cvmContext(req, 'vps/list'), '', req.arrivedAt, true) : undefined;
    if (bytes) reply.type(JSON_TYPE).send(bytes);
    else done();
  };
  app.get('/vps/list', { onRequest: kept }, list);
  app.get('/list', { onRequest: kept }, list);
  app.get<{ Params: IdParamsT }>('/vps/:id', { schema: { params: IdParams } }, async (req) => {
    const ctx = cvmContext(req, 'vps');
    const serial = Number(req.params.id);
    const [vps, status] = await Promise.all([getVps(core, ctx, serial), vpsStatus(core, ctx, serial)]);
    return ok({ ...cvmVps(vps), ...cvmStatus(status) });
  });
  app.get<{ Params: IdParamsT }>('/vps/:id/status', { schema: { params: IdParams } }, async (req) =>
    ok(cvmStatus(await vpsStatus(core, cvmContext(req, 'vps/status'), Number(req.params.id)))),
  );
  for (const action of ['start', 'stop', 'restart'] as VpsAction[]) {
    app.post<{ Params: IdParamsT }>(`/vps/:id/${action}`, { schema: { params: IdParams } }, async (req) => {
      await powerVps(core, cvmContext(req, `vps/${action}`), Number(req.params.id), action);
      return ok({});
    });
  }
  app.post<{ Params: IdParamsT }>('/vps/:id/reinstall', { schema: { params: IdParams } }, async (req) => {
    const raw = {
      ...(req.query as object),
      ...(req.body && typeof req.body === 'object' ? (req.body as object) : {}),
    } as Record<string, unknown>;
    const input = { template: typeof raw.template === 'number' ? String(raw.template) : raw.template };
    if (!Value.Check(ReinstallInput, input)) throw invalid('template must be the numeric id of a template', 'template');
    await reinstallVps(core, cvmContext(req, 'vps/reinstall'), Number(req.params.id), Number(input.template));
    return ok({});
  });
}
