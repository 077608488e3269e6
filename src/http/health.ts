/** Dialect-neutral endpoints: liveness, readiness and Prometheus metrics. */
import type { FastifyInstance } from 'fastify';
import client from 'prom-client';

/** Readiness: set once migrations ran and the task engine is running. */
export interface Readiness { ready(): boolean }

const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });
const requests = new client.Counter({ name: 'nube_http_requests_total', help: 'HTTP requests by dialect prefix and status', labelNames: ['prefix', 'status'], registers: [registry] });

/** /healthz, /readyz and /metrics, plus a request counter. */
export async function healthPlugin(app: FastifyInstance, opts: { readiness: Readiness }): Promise<void> {
  app.addHook('onResponse', async (req, reply) => {
    const prefix = '/' + (req.url.split('?')[0]!.split('/')[1] ?? '');
    requests.inc({ prefix: prefix.slice(0, 32), status: String(reply.statusCode) });
  });
  app.get('/healthz', async (_req, reply) => reply.type('application/json').send({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ok = opts.readiness.ready();
    return reply.code(ok ? 200 : 503).type('application/json').send({ status: ok ? 'ready' : 'starting' });
  });
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}
