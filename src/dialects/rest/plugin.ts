/**
 * The DanubeData REST API v1 under /api/v1 and the Laravel identity route /api/user: bearer tokens with scopes,
 * per-tier rate limits, `{data, pagination}` envelopes and `{message}` / 422 `{message, errors}` errors; every route
 * carries TypeBox schemas that validate it and make the OpenAPI document.
 */
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/core.js';
import { hasNul } from '../../http/nul-bytes.js';
import { callerOf, restAuthHook } from './auth.js';
import { registerChaos, routeOperations } from '../shared/chaos.js';
import { restErrorHandler } from './errors.js';
import { userRoute, v1Routes } from './routes/index.js';

/** Largest JSON body a REST call takes (custom_cloud_init is at most 10,000 characters). */
const BODY_MAX = 128 * 1024;

/** Paths of resources that come in their own issues: they answer 404 {message} until then. */
const LATER = ['database', 'cache', 'storage'];

/** The hooks and handlers every REST scope shares (their answers are sent serialized: a route's response schema is not theirs). */
function common(app: FastifyInstance, core: Core): void {
  app.setErrorHandler(restErrorHandler);
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= BODY_MAX;
  });
  app.addHook('onRequest', restAuthHook(core));
  registerChaos(app, core, {
    dialect: 'rest',
    operations: routeOperations,
    accountId: async (req) => callerOf(req).principal.account.id,
  });
  // Callback hooks that answer or go on at once: an async hook would cost every call a promise.
  app.addHook('preValidation', (req, reply, done) => {
    if (hasNul(req.params)) {
      reply
        .code(404)
        .type('application/json')
        .send(JSON.stringify({ message: 'Resource not found.' }));
      return;
    }
    const type = String(req.headers['content-type'] ?? '');
    if (req.body !== undefined && type !== '' && !/^application\/(.+\+)?json\b/i.test(type)) {
      reply
        .code(415)
        .type('application/json')
        .send(JSON.stringify({ message: 'Requests with a body must be sent as application/json.' }));
      return;
    }
    if (hasNul(req.body) || hasNul(req.query)) {
      reply
        .code(422)
        .type('application/json')
        .send(
          JSON.stringify({
            message: 'The request holds a NUL byte.',
            errors: { body: ['The request holds a NUL byte.'] },
          }),
        );
      return;
    }
    done();
  });
}

/** Registers the dialect (mount it with prefix /api). */
export async function restPlugin(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  await app.register(async (user) => {
    common(user, core);
    userRoute(user, core);
  });
  await app.register(
    async (v1) => {
      common(v1, core);
      v1.setNotFoundHandler((req, reply) => {
        const first = req.url.split('?')[0]!.split('/')[3] ?? '';
        const message = LATER.includes(first)
          ? `The ${first} API is not available on this server yet.`
          : `The route ${req.url.split('?')[0]} could not be found.`;
        reply.code(404).type('application/json').send({ message });
      });
      v1Routes(v1, core);
    },
    { prefix: '/v1' },
  );
}
