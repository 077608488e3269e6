/** buildApp: the Fastify instance with shared plumbing and every dialect under its prefix. */
import { stampArrivals } from './http/arrival.js';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { Core } from './core/core.js';
import { healthPlugin, type Readiness } from './http/health.js';
import { AppMetrics } from './http/metrics.js';
import { labelDialect } from './http/request-labels.js';
import { logRequests, requestIdOf } from './http/access-log.js';
import { lazyChildLogger } from './http/lazy-logger.js';
import { edgeServerOptions, guardEdge } from './http/edge.js';
import { LazyCompilers } from './http/lazy-compilers.js';
import { cloudstackPlugin } from './dialects/cloudstack/plugin.js';
import { adminBadUrl, adminPlugin } from './dialects/admin/plugin.js';
import { cvmBadUrl, cvmPlugin } from './dialects/cvm/plugin.js';
import { cloudsigmaPlugin, sigmaBadUrl, SIGMA_ROOTS } from './dialects/cloudsigma/plugin.js';
import { danubePlugin } from './dialects/danube/plugin.js';
import { restPlugin } from './dialects/rest/plugin.js';
import { registerOpenApi } from './dialects/rest/docs/openapi.js';
import { restDocsPlugin } from './dialects/rest/docs/docs-plugin.js';
import { tokenPagesPlugin } from './dialects/rest/web/web-plugin.js';

/** What the app is built from. */
export interface AppDeps {
  core: Core;
  readiness: Readiness;
  log?: Logger;
}

/** Largest body of a route that sets no limit of its own (each dialect sets smaller ones). */
const DEFAULT_BODY_MAX = 1024 * 1024;

/** Answers a URL the router cannot decode (a broken percent-escape, a segment over maxParamLength) in the format of the dialect owning the path. */
function badUrl(err: Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = req.raw.url ?? '';
  reply.header('x-request-id', req.id);
  const why = /PARAM_LENGTH/.test((err as { code?: string }).code ?? '')
    ? 'A path segment is longer than 1000 characters'
    : 'The URL holds a broken percent-escape';
  if (path.startsWith('/api/client/')) return cvmBadUrl(reply, why);
  if (path.startsWith('/api/v1/') || path.startsWith('/api/user'))
    return reply.code(404).type('application/json').send({ message: why });
  if (path.startsWith('/admin/')) return adminBadUrl(reply, why);
  if (SIGMA_ROOTS.includes(path.split(/[/?]/)[1] ?? '')) return sigmaBadUrl(reply, why);
  return reply.code(400).type('application/json').send({ error: why, request_id: req.id });
}

/** Each app's lazy schema compilers, for warmRouteSchemas. */
const compilersOf = new WeakMap<FastifyInstance, LazyCompilers>();

/** Compiles the app's route schemas in the background while it is idle (serve, once up; see LazyCompilers.warm). */
export function warmRouteSchemas(app: FastifyInstance): void {
  compilersOf.get(app)?.warm();
}

/** Builds (but does not start) the HTTP app. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const limits = deps.core.deps.config.http;
  const compilers = new LazyCompilers();
  const app = Fastify({
    loggerInstance: deps.log,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdOf,
    childLoggerFactory: lazyChildLogger,
    bodyLimit: DEFAULT_BODY_MAX,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    frameworkErrors: badUrl,
    schemaController: compilers.controller(),
    // Route schemas are built with TypeBox and do not change at run time: checking each against the JSON Schema
    // meta-schema compiled that meta-schema once per ajv instance, 40-60 ms each that held the event loop.
    ajv: { customOptions: { validateSchema: false } },
    ...edgeServerOptions(limits),
  } as never) as unknown as FastifyInstance;
  compilersOf.set(app, compilers);
  app.addHook('onClose', async () => compilers.stop());
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'unhandled error');
    reply
      .code(status)
      .type('application/json')
      .send({ error: status >= 500 ? 'Internal error' : err.message, request_id: req.id });
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .code(404)
      .type('application/json')
      .send({ error: `No route for ${req.method} ${req.url.split('?')[0]}`, request_id: req.id });
  });
  // The OpenAPI generator first, so that it sees the REST routes of every dialect mounted below.
  await registerOpenApi(app);
  // Root hooks first, so they reach every plugin's routes and not-found handlers.
  logRequests(app, deps.log);
  stampArrivals(app, () => deps.core.requestStarted());
  guardEdge(app, limits);
  const metrics = new AppMetrics(deps.core.stats, deps.core.deps.config.loopSampleMs, deps.log);
  metrics.observe(app);
  const mount = async <O extends object>(dialect: string, plugin: FastifyPluginAsync<O>, opts: O) => {
    await app.register(async (scope) => {
      labelDialect(scope, dialect);
      await scope.register(plugin, opts);
    });
  };
  await mount('health', healthPlugin, { readiness: deps.readiness, metrics });
  await mount('cloudstack', cloudstackPlugin, { core: deps.core });
  await mount('admin', adminPlugin, { core: deps.core, prefix: '/admin' });
  await mount('cvm', cvmPlugin, { core: deps.core, prefix: '/api/client' });
  await mount('cloudsigma', cloudsigmaPlugin, { core: deps.core });
  await mount('rest', restPlugin, { core: deps.core, prefix: '/api' });
  await mount('danube', danubePlugin, { core: deps.core, prefix: '/api' });
  await mount('rest', restDocsPlugin, {});
  await mount('rest', tokenPagesPlugin, { core: deps.core });
  return app;
}
