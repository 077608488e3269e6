/** /admin/chaos: API-level fault rules, the chaos seed and per-operation sim delays (list, add, clear); never subject to chaos itself. */
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/core.js';
import { checkSeed } from '../../core/chaos/model.js';

/** A JSON body as an object (anything else is no fields, which the core then reports as missing). */
function bodyOf(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** Registers the chaos routes under the admin prefix. */
export function chaosRoutes(app: FastifyInstance, core: Core): void {
  app.get('/chaos', async () => core.chaos.list());
  app.post<{ Body: unknown }>('/chaos', async (req, reply) => {
    const b = bodyOf(req.body);
    if (b.seed !== undefined) checkSeed(b.seed);
    const rule = await core.chaos.addRule(b);
    const seed = b.seed !== undefined ? await core.chaos.setSeed(b.seed) : undefined;
    return reply.code(201).send(seed === undefined ? { rule } : { rule, seed });
  });
  app.post<{ Body: unknown }>('/chaos/seed', async (req) => ({
    seed: await core.chaos.setSeed(bodyOf(req.body).seed),
  }));
  app.get('/chaos/delays', async () => ({ delays: (await core.chaos.list()).delays }));
  app.post<{ Body: unknown }>('/chaos/delays', async (req, reply) =>
    reply.code(201).send({ delay: await core.chaos.setDelay(bodyOf(req.body)) }),
  );
  app.delete<{ Params: { operation?: string } }>('/chaos/delays/:operation?', async (req) => ({
    removed: await core.chaos.clearDelays(req.params.operation || undefined),
  }));
  app.delete<{ Params: { id?: string } }>('/chaos/:id?', async (req) => ({
    removed: await core.chaos.clearRules(req.params.id || undefined),
  }));
}
