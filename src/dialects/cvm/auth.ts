/** Token-pair authentication of the CVM client API and the per-request CallContext it yields. */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { TokenPairAuth } from '../../core/credentials/token-pair.js';
import type { Core } from '../../core/core.js';
import type { CallContext } from '../../lib/context.js';
import { NO_CLIENT_ACCESS, NO_VALID_PAIR } from './errors.js';
import { contextFor } from '../shared/context.js';
import { requestSlot } from '../../http/request-slot.js';

const contexts = requestSlot<CallContext>('nube.cvm.context');

/** The context of an authenticated request (set by the onRequest hook). */
export function cvmContext(req: FastifyRequest, call: string): CallContext {
  const ctx = contexts.get(req);
  if (!ctx) throw new Error('CVM request without an authenticated context');
  return { ...ctx, origin: `cvm:${call}` };
}

/** onRequest hook: 401 for a missing or wrong pair, 403 for a pair without client API access, 429 (thrown to the plugin's error handler) while the client's address or public token is locked out. */
export function cvmAuthHook(core: Core) {
  const pairs = core.credentials.issuers['token-pair'];
  /** Answers a refused pair (false) or keeps the caller's context (true). */
  const admitted = (req: FastifyRequest, reply: FastifyReply, auth: TokenPairAuth | undefined): boolean => {
    if (!auth) {
      reply
        .code(401)
        .type('application/json')
        .send({ errors: [NO_VALID_PAIR] });
      return false;
    }
    if (!auth.clientApi) {
      reply
        .code(403)
        .type('application/json')
        .send({ errors: [NO_CLIENT_ACCESS] });
      return false;
    }
    contexts.set(req, contextFor(auth.principal, req, 'cvm'));
    return true;
  };
  // A callback hook: a pair known without waiting (TokenPairIssuer.verifyNow) goes on at once, without a promise.
  return (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const presented = { public: header('api-public-token'), private: header('api-private-token') };
    const now = pairs.verifyNow(presented, req.ip, req.arrivedAt);
    if (now) {
      if (admitted(req, reply, now)) done();
      return;
    }
    pairs.verify(presented, req.ip).then((auth) => {
      if (admitted(req, reply, auth)) done();
    }, done);
  };
}
