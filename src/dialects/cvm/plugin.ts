/** The CVM client API under /api/client: token-pair headers, {"response": ...} or {"errors": [...]}, JSON always. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import formbody from '@fastify/formbody';
import type { Core } from '../../core/core.js';
import { cvmAuthHook, cvmContext } from './auth.js';
import { registerChaos, routeOperations } from '../shared/chaos.js';
import { cvmErrorHandler, NO_SUCH_ID } from './errors.js';
import { vpsRoutes } from './routes/vps.js';
import { nodeRoutes } from './routes/nodes.js';
import { templateRoutes } from './routes/templates.js';
import { hasNul, nulInRequest } from '../../http/nul-bytes.js';

/** Answers a call whose URL the router cannot decode (a broken percent-escape, an overlong segment), as invalid input. */
export function cvmBadUrl(reply: FastifyReply, why: string): FastifyReply {
  return reply
    .code(422)
    .type('application/json')
    .send({ errors: [why] });
}

/** Registers the dialect (mount it with prefix /api/client). */
export async function cvmPlugin(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  app.setErrorHandler(cvmErrorHandler);
  app.setNotFoundHandler((req, reply) => {
    reply
      .code(404)
      .type('application/json')
      .send({ errors: [`Unknown API call: ${req.method} ${req.url.split('?')[0]}`] });
  });
  // NUL bytes are refused before anything reads them: an id holding one does not exist (404), other input is invalid (422).
  // Callback hooks that answer or go on at once: an async hook would cost every call a promise.
  app.addHook('onRequest', (req, reply, done) => {
    const nul = nulInRequest(req);
    if (nul === 'path') {
      reply
        .code(404)
        .type('application/json')
        .send({ errors: [NO_SUCH_ID] });
      return;
    }
    if (nul) {
      reply
        .code(422)
        .type('application/json')
        .send({ errors: ['The query string holds a NUL byte.'] });
      return;
    }
    done();
  });
  app.addHook('onRequest', cvmAuthHook(core));
  app.addHook('preValidation', (req, reply, done) => {
    if (hasNul(req.body)) {
      reply
        .code(422)
        .type('application/json')
        .send({ errors: ['The request body holds a NUL byte.'] });
      return;
    }
    done();
  });
  registerChaos(app, core, {
    dialect: 'cvm',
    operations: routeOperations,
    accountId: async (req) => cvmContext(req, 'chaos').accountId,
  });
  vpsRoutes(app, core);
  nodeRoutes(app, core);
  templateRoutes(app, core);
}
