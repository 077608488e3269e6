/** What a request is, as the metrics and the access log name it: its dialect, its route or command, and the account that made it. */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

const dialects = new WeakMap<object, string>();
const routes = new WeakMap<object, string>();
const accounts = new WeakMap<object, string>();

/** Marks every request handled inside scope (its routes and not-found handler) as the dialect's. */
export function labelDialect(scope: FastifyInstance, dialect: string): void {
  scope.addHook('onRequest', (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    dialects.set(req, dialect);
    done();
  });
}

/** Names a request's route when its URL pattern does not say it (a CloudStack command); the label must come from a closed set. */
export function labelRoute(req: FastifyRequest, route: string): void {
  routes.set(req, route);
}

/** Records the account that a request authenticated as (its name, never a credential), for the access log. */
export function labelAccount(req: object, account: string): void {
  accounts.set(req, account);
}

/** The labels of a request: dialect (`none` outside every dialect), route (`unmatched` without one) and account (when known). */
export function labelsOf(req: FastifyRequest): { dialect: string; route: string; account: string | undefined } {
  return {
    dialect: dialects.get(req) ?? 'none',
    route: routes.get(req) ?? req.routeOptions.url ?? 'unmatched',
    account: accounts.get(req),
  };
}
