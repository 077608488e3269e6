/** When each request arrived, so read-only handlers can take a data version read sent after it instead of a new one. */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** performance.now() when the request's first hook ran (0 before). */
    arrivedAt: number;
  }
}

/** Stamps every request's arrival first thing; then() runs in the same hook (the core is told a request began). */
export function stampArrivals(app: FastifyInstance, then: () => void): void {
  app.decorateRequest('arrivedAt', 0);
  app.addHook('onRequest', (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    req.arrivedAt = performance.now();
    then();
    done();
  });
}
