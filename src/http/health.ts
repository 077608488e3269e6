/** Dialect-neutral endpoints: liveness, readiness and Prometheus metrics. */
import type { FastifyInstance } from 'fastify';
import type { AppMetrics } from './metrics.js';

/** Readiness: set once migrations ran and the task engine is running. */
export interface Readiness {
  ready(): boolean;
}

/** /healthz, /readyz and /metrics (the app's metrics, counted for every dialect by AppMetrics.observe). */
export async function healthPlugin(
  app: FastifyInstance,
  opts: { readiness: Readiness; metrics: AppMetrics },
): Promise<void> {
  app.get('/healthz', async (_req, reply) => reply.type('application/json').send({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ok = opts.readiness.ready();
    return reply
      .code(ok ? 200 : 503)
      .type('application/json')
      .send({ status: ok ? 'ready' : 'starting' });
  });
  app.get('/metrics', async (_req, reply) => {
    const m = await opts.metrics.text();
    return reply.type(m.contentType).send(m.body);
  });
}
