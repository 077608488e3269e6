/** What a request is, as the metrics and the access log name it: its dialect, its route or command, and the account that made it. */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { requestSlot } from './request-slot.js';

/** The labels set on a request so far (each hook sets its own). */
interface RequestLabels {
  dialect?: string;
  route?: string;
  account?: string;
}

/** Where a request's labels are kept (a WeakMap entry per request and label cost ~1% of a cached list). */
const slot = requestSlot<RequestLabels>('nube.labels');

function labels(req: object): RequestLabels {
  let l = slot.get(req);
  if (!l) {
    l = {};
    slot.set(req, l);
  }
  return l;
}

/** Marks every request handled inside scope (its routes and not-found handler) as the dialect's. */
export function labelDialect(scope: FastifyInstance, dialect: string): void {
  scope.addHook('onRequest', (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    labels(req).dialect = dialect;
    done();
  });
}

/** Names a request's route when its URL pattern does not say it (a CloudStack command); the label must come from a closed set. */
export function labelRoute(req: FastifyRequest, route: string): void {
  labels(req).route = route;
}

/** Records the account that a request authenticated as (its name, never a credential), for the access log. */
export function labelAccount(req: object, account: string): void {
  labels(req).account = account;
}

/** The labels of a request: dialect (`none` outside every dialect), route (`unmatched` without one) and account (when known). */
export function labelsOf(req: FastifyRequest): { dialect: string; route: string; account: string | undefined } {
  const l = slot.get(req);
  return {
    dialect: l?.dialect ?? 'none',
    route: l?.route ?? req.routeOptions.url ?? 'unmatched',
    account: l?.account,
  };
}
