/**
 * The dialect kit's chaos hook: each dialect plugin registers it with its name and a way to name a request's operation,
 * and the core's chaos rules then add latency to, fail, throttle or drop that dialect's requests. The admin API never
 * registers it, so operators can always reach Nube to clear a rule.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Core } from '../../core/core.js';

/** How a dialect describes its requests to chaos. */
export interface ChaosHookOptions {
  /** The dialect's name in rules: cloudstack, cloudsigma, cvm, danube or rest. */
  dialect: string;
  /** The names a rule's operation pattern is matched against (e.g. the CloudStack command, or `POST /servers/:id/action/`). */
  operations: (req: FastifyRequest) => string[];
  /** The account id behind the request, for rules limited to one account (undefined: unknown or not authenticated). */
  accountId?: (req: FastifyRequest) => Promise<string | undefined>;
}

/** The names of a route-based request: `METHOD /route/:pattern` and `METHOD /actual/path`. */
export function routeOperations(req: FastifyRequest): string[] {
  const path = req.url.split('?')[0]!;
  const route = req.routeOptions.url;
  return route && route !== path ? [`${req.method} ${route}`, `${req.method} ${path}`] : [`${req.method} ${path}`];
}

/**
 * Registers chaos as a preHandler hook (after authentication and body parsing, before the handler): latency is waited,
 * an error is thrown to the plugin's own error handler (so it is answered in the dialect's format), a plain status is
 * answered as text, and a drop destroys the connection without any answer.
 */
export function registerChaos(app: FastifyInstance, core: Core, opts: ChaosHookOptions): void {
  const apply = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const verdict = await core.chaos.decide({
      dialect: opts.dialect,
      operations: () => opts.operations(req),
      accountId: async () => (opts.accountId ? opts.accountId(req).catch(() => undefined) : undefined),
    });
    if (!verdict) return;
    if (verdict.delayMs > 0) await sleep(verdict.delayMs);
    const end = verdict.end;
    if (!end) return;
    if (end.kind === 'error') throw end.error;
    if (end.kind === 'status') return reply.code(end.status).type('text/plain; charset=utf-8').send(end.message);
    reply.hijack();
    req.raw.socket?.destroy();
  };
  // A callback hook, so that a request no rule can touch (the usual case) goes on without a promise or an await.
  app.addHook('preHandler', (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (core.chaos.quiet(opts.dialect)) return done();
    apply(req, reply).then(() => done(), done);
  });
}
