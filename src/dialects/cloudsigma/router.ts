/** Route plumbing of the CloudSigma dialect: aliases, GET/POST rules, authentication from the headers before any body is read, body caps and text answers. */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Core } from '../../core/core.js';
import type { CallContext } from '../../lib/context.js';
import type { Principal } from '../../core/accounts/principal.js';
import type { BasicAuth } from '../shared/basic-auth.js';
import { SigmaFailure, sigmaError } from './errors.js';
import { parseRecord, type SigmaRecord } from '../../lib/sigma-text.js';
import { nulInRequest } from '../../http/nul-bytes.js';
import { contextFor } from '../shared/context.js';
import { requestSlot } from '../../http/request-slot.js';
import { bodyAnnounced } from '../../http/edge.js';

/** The content type of text answers. */
const TEXT = 'text/plain; charset=utf-8';

/** Largest text (key/value) request body, the cap of every route but drive writes. */
export const TEXT_BODY_MAX = 1024 * 1024;

/** What a NUL byte in each part of a request is answered with. */
const NUL_TEXT = {
  path: 'The path holds a NUL byte',
  query: 'The query string holds a NUL byte',
  authorization: 'The Authorization header holds a NUL byte',
};

/** What a handler gets: the caller, the path parameters and the body. */
export interface SigmaCall {
  core: Core;
  ctx: CallContext;
  principal: Principal;
  params: Record<string, string>;
  req: FastifyRequest;
  body: Buffer;
  /** The body as one `key value` record (400 when too large or malformed). */
  record(): SigmaRecord;
}

/** A handler's answer: a text or binary body (200) or nothing (204). */
export type SigmaAnswer =
  | {
      status?: number;
      text?: string | Buffer;
      bytes?: Buffer;
      /** Called once the answer's bytes were all handed to the socket (not when the connection broke first). */
      sent?: () => void;
    }
  | undefined;

/** How a route takes its method: `read` is GET only, `body` is POST only (GET → 405), `action` takes both. */
export type RouteMode = 'read' | 'body' | 'action';

/** Options of one route: its body cap (TEXT_BODY_MAX unless set), an onRequest hook run once the caller is known, and preParsing, which may replace the body stream (e.g. to gather a large body into a reused buffer). */
export interface RouteOpts {
  bodyLimit?: number;
  onRequest?: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  preParsing?: (req: FastifyRequest, reply: FastifyReply, payload: Readable) => Promise<Readable>;
  /** A GET's answer when a cache holds it and it can be sent without waiting (see AnswerCache.peek), else undefined. */
  cached?: (ctx: CallContext, req: FastifyRequest) => Buffer | undefined;
}

/** A request's caller check, made once (a hook may ask before the handler). */
const callers = requestSlot<Promise<Principal | undefined>>('nube.sigma.caller');

/** Registers dialect routes on the app, under each alias of the path's first segment. */
export class SigmaRouter {
  constructor(
    private readonly app: FastifyInstance,
    readonly core: Core,
    private readonly auth: BasicAuth,
  ) {}

  /** The caller behind a request's Basic credentials, checked once per request (a hook may ask before the handler); undefined when missing or wrong, RateLimited (429) while the client's address or login is locked out. */
  caller(req: FastifyRequest): Promise<Principal | undefined> {
    let p = callers.get(req);
    if (!p) {
      p = this.auth.check(req.headers.authorization, req.ip);
      callers.set(req, p);
    }
    return p;
  }

  /** The call context of a request made by principal. */
  context(req: FastifyRequest, principal: Principal): CallContext {
    return contextFor(principal, req, `cloudsigma:${req.routeOptions.url ?? ''}`);
  }

  /** Adds a route; `paths` are alternatives (aliases) for the same command. The caller is checked from the headers before any body is read. */
  route(mode: RouteMode, paths: string[], handle: (c: SigmaCall) => Promise<SigmaAnswer>, opts: RouteOpts = {}): void {
    const admit = async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        const nul = nulInRequest(req, { basic: true });
        if (nul) throw new SigmaFailure(400, NUL_TEXT[nul]);
        await this.principal(req, reply);
        if (mode === 'body' && req.method === 'GET')
          throw new SigmaFailure(405, `${req.url.split('?')[0]} expects POST`);
      } catch (err) {
        return this.fail(req, reply, err);
      }
    };
    const run = async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        const principal = await this.principal(req, reply);
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const ctx = this.context(req, principal);
        const call: SigmaCall = {
          core: this.core,
          ctx,
          principal,
          params: req.params as Record<string, string>,
          req,
          body,
          record: () => {
            if (body.length > TEXT_BODY_MAX)
              throw new SigmaFailure(400, `The request body is larger than ${TEXT_BODY_MAX} bytes`);
            return parseRecord(body.toString('utf8'));
          },
        };
        const answer = await handle(call);
        if (!answer || answer.status === 204) return reply.code(204).send();
        reply.code(answer.status ?? 200);
        if (answer.sent) reply.raw.once('finish', answer.sent);
        if (answer.bytes) return reply.type('application/octet-stream').send(answer.bytes);
        return reply.type(TEXT).send(answer.text ?? '');
      } catch (err) {
        return this.fail(req, reply, err);
      }
    };
    const cached = opts.cached;
    // A callback hook before admit: a cached answer goes out from it without a promise, a body parser or a handler.
    const fast = cached
      ? (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
          const bytes = this.cachedAnswer(req, cached);
          if (bytes) reply.code(200).type(TEXT).send(bytes);
          else done();
        }
      : undefined;
    const hooks = [...(fast ? [fast] : []), admit, ...(opts.onRequest ? [opts.onRequest] : [])];
    for (const p of paths) {
      this.app.route({
        url: p,
        method: ['GET', 'POST'],
        handler: run,
        bodyLimit: opts.bodyLimit ?? TEXT_BODY_MAX,
        onRequest: hooks.length === 1 ? admit : hooks,
        ...(opts.preParsing ? { preParsing: opts.preParsing } : {}),
      });
    }
  }

  /**
   * A GET's answer from cached(), when all it needs is known without waiting: no body, no NUL byte, no chaos rule for
   * the dialect, a remembered login whose user is unchanged. Undefined sends the request the usual way (admit, the
   * handler), which answers every other case with the same bytes or the right error.
   */
  private cachedAnswer(req: FastifyRequest, cached: NonNullable<RouteOpts['cached']>): Buffer | undefined {
    if (req.method !== 'GET' || bodyAnnounced(req) || !this.core.chaos.quiet('cloudsigma')) return undefined;
    if (nulInRequest(req, { basic: true })) return undefined;
    const principal = this.auth.checkNow(req.headers.authorization, req.ip, req.arrivedAt);
    return principal && cached(this.context(req, principal), req);
  }

  /** The request's caller; throws the 401 (with its challenge) when the Basic credentials are missing or wrong. */
  private async principal(req: FastifyRequest, reply: FastifyReply): Promise<Principal> {
    const principal = await this.caller(req);
    if (principal) return principal;
    reply.header('www-authenticate', 'Basic realm="CloudSigma"');
    throw new SigmaFailure(401, 'HTTP Basic Authentication missing or incorrect');
  }

  /** Answers a failure in the dialect's text format (unknown exceptions are logged and become a 500 without details). */
  private fail(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
    const e = sigmaError(err, req.id);
    if (e.internal) req.log.error({ err }, 'cloudsigma request failed');
    if (e.retryAfterSec !== undefined) reply.header('retry-after', String(e.retryAfterSec));
    return reply.code(e.status).type(TEXT).send(e.body);
  }
}

/** The same path under `/servers` and `/guests`. */
export function serverPaths(rest: string): string[] {
  return [`/servers${rest}`, `/guests${rest}`];
}
