/**
 * Bearer tokens (Sanctum's `<id>|<secret>`), the team a request acts for (X-Team-Id; a team is a Nube account) and
 * the per-tier rate limit, run as hooks before every REST call; routes read the caller with callOf(req).
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ApiTokenAuth } from '../../core/credentials/api-token.js';
import type { Core } from '../../core/core.js';
import type { Principal } from '../../core/accounts/principal.js';
import type { CallContext } from '../../lib/context.js';
import { requirePermission } from '../../core/permissions.js';
import { contextFor } from '../shared/context.js';
import { UNAUTHENTICATED } from './errors.js';
import { requestSlot } from '../../http/request-slot.js';

/** Who calls: the principal of the token, its permissions, and the team number the request acts for. */
export interface RestCaller {
  principal: Principal;
  permissions: ReadonlySet<string> | undefined;
  tokenId: number;
  teamId: number;
}

const callers = requestSlot<RestCaller>('nube.rest.caller');

/** The object-type and scheme under which accounts are numbered as teams. */
const TEAM_ALIAS = ['account', 'rest-team'] as const;

/** The caller of an authenticated request (the auth hook ran before every route). */
export function callerOf(req: FastifyRequest): RestCaller {
  const c = callers.get(req);
  if (!c) throw new Error('REST route reached without authentication');
  return c;
}

/** The CallContext of an authenticated request, its permissions included, recorded under origin `rest:<what>`. */
export function ctxOf(req: FastifyRequest, what: string): CallContext {
  const c = callerOf(req);
  const ctx = contextFor(c.principal, req, `rest:${what}`);
  return c.permissions ? { ...ctx, permissions: c.permissions } : ctx;
}

/** The CallContext of a request whose token must hold permission before anything is answered: for routes that answer from
 * catalog data or from the object's state before their guarded core call (a wrong-state 422 must not precede the 403). */
export function ctxNeeding(req: FastifyRequest, what: string, permission: string): CallContext {
  const ctx = ctxOf(req, what);
  requirePermission(ctx, permission);
  return ctx;
}

/** Sends a bare {message} answer. */
function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('application/json').send({ message });
}

/** The onRequest hook: verifies the bearer token, checks X-Team-Id, counts the call against the account's rate limit. */
export function restAuthHook(core: Core) {
  const tokens = core.credentials.issuers['api-token'];
  /** Checks X-Team-Id and keeps the caller (true), or answers 403 (false). */
  const admitted = (req: FastifyRequest, reply: FastifyReply, verified: ApiTokenAuth, teamId: number): boolean => {
    const asked = req.headers['x-team-id'];
    if (asked !== undefined && String(asked).trim() !== String(teamId)) {
      refuse(reply, 403, 'You do not have access to this team.');
      return false;
    }
    const { principal, permissions, tokenId } = verified;
    callers.set(req, { principal, permissions, tokenId, teamId });
    return true;
  };
  /** The usual path: every check awaited; true when the request goes on. */
  const checked = async (req: FastifyRequest, reply: FastifyReply, token: string): Promise<boolean> => {
    const verified = await tokens.verify(token, req.ip);
    if (!verified) {
      refuse(reply, 401, UNAUTHENTICATED);
      return false;
    }
    const accountId = verified.principal.account.id;
    const verdict = await core.rateLimits.hit(accountId);
    if (verdict) {
      reply.headers({
        'x-ratelimit-limit': String(verdict.limit),
        'x-ratelimit-remaining': String(verdict.remaining),
        'x-ratelimit-reset': String(verdict.reset),
      });
      if (verdict.retryAfter !== undefined) {
        reply.header('retry-after', String(verdict.retryAfter));
        reply
          .code(429)
          .type('application/json')
          .send({ message: 'Too Many Requests', retry_after: verdict.retryAfter });
        return false;
      }
    }
    const numbers = await core.aliases.numbers(...TEAM_ALIAS, [accountId]);
    return admitted(req, reply, verified, numbers.get(accountId)!);
  };
  // A callback hook: with rate limits off (nothing to count), a token and team known without waiting go on at once.
  return (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const m = /^Bearer\s+(\S{1,300})\s*$/i.exec(String(req.headers.authorization ?? ''));
    if (!m) {
      refuse(reply, 401, UNAUTHENTICATED);
      return;
    }
    const now = core.rateLimits.enabled ? undefined : tokens.verifyNow(m[1]!, req.ip, req.arrivedAt);
    const team = now && core.aliases.numberNow(...TEAM_ALIAS, now.principal.account.id, req.arrivedAt);
    if (now && team !== undefined) {
      if (admitted(req, reply, now, team)) done();
      return;
    }
    checked(req, reply, m[1]!).then((go) => {
      if (go) done();
    }, done);
  };
}
