/** buildApp: the Fastify instance with shared plumbing and every dialect under its prefix. */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Core } from './core/core.js';
import { healthPlugin, type Readiness } from './http/health.js';
import { cloudstackPlugin } from './dialects/cloudstack/plugin.js';
import { adminPlugin } from './dialects/admin/plugin.js';
import { cvmPlugin } from './dialects/cvm/plugin.js';
import { cloudsigmaPlugin } from './dialects/cloudsigma/plugin.js';

/** What the app is built from. */
export interface AppDeps { core: Core; readiness: Readiness; log?: Logger }

/** Builds (but does not start) the HTTP app. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: 8 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
  } as never) as unknown as FastifyInstance;
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'unhandled error');
    reply.code(status).type('application/json').send({ error: status >= 500 ? 'Internal error' : err.message, request_id: req.id });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).type('application/json').send({ error: `No route for ${req.method} ${req.url.split('?')[0]}`, request_id: req.id });
  });
  await app.register(healthPlugin, { readiness: deps.readiness });
  await app.register(cloudstackPlugin, { core: deps.core });
  await app.register(adminPlugin, { core: deps.core, prefix: '/admin' });
  await app.register(cvmPlugin, { core: deps.core, prefix: '/api/client' });
  await app.register(cloudsigmaPlugin, { core: deps.core });
  return app;
}
