/**
 * The Danube Cloud API under /api/ (every path but /api/client, /api/v1 and /api/user, which other dialects own):
 * Token and ES-API-KEY auth, es_* headers on every answer, task envelopes, ES-STREAM, DCs, OPTIONS metadata.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import type { Principal } from '../../core/accounts/principal.js';
import { contextFor } from '../shared/context.js';
import { hasNul } from '../../http/nul-bytes.js';
import { apiError, type DanubeAnswer } from './answers.js';
import { danubeFailure } from './errors.js';
import { DanubeRouter, type DanubeHandler } from './router.js';
import type { DanubeRequest, DanubeUser } from './request.js';
import { MAIN_DC, resolveDc } from './dcs.js';
import { streamTask } from './stream.js';
import { registerRoutes } from './routes/index.js';
import { ES_VERSION } from './version.js';
import { danubeCallbacks } from './callbacks.js';
import { registerChaos, routeOperations } from '../shared/chaos.js';
import { requestSlot } from '../../http/request-slot.js';

/** Paths served without credentials. */
const OPEN_PATHS = new Set(['/api/ping/', '/api/accounts/login/']);
/** Paths that have no /dc/<dc>/ twin. */
const UNPREFIXED = new Set(['/ping/', '/accounts/login/', '/accounts/logout/']);
/** DC-unbound paths: they always run in main, whatever DC the request names. */
const DC_UNBOUND = /^\/api(\/dc\/[^/]+)?\/(node|system|accounts)\//;
/** Largest JSON body a Danube call takes. */
const BODY_MAX = 256 * 1024;

/** What the auth hook learned about a request. */
interface CallState {
  principal?: Principal;
  user?: DanubeUser;
  dcName: string;
  authVia?: 'token' | 'api_key';
}
const states = requestSlot<CallState>('nube.danube.state');

/** The indent an Accept header asks for (`application/json; indent=N`, clamped 0-8), or undefined. */
function indentOf(req: FastifyRequest): number | undefined {
  const m = /indent=(\d+)/.exec(String(req.headers.accept ?? ''));
  return m ? Math.min(8, Number(m[1])) : undefined;
}

/** Renders a body as JSON, pretty-printed when the client asked for an indent. */
function renderer(req: FastifyRequest): (body: unknown) => string {
  const indent = indentOf(req);
  return (body) => JSON.stringify(body, null, indent || undefined) ?? 'null';
}

/** The es_* headers of every answer. */
function esHeaders(req: FastifyRequest): Record<string, string> {
  const st = states.get(req);
  return { es_version: ES_VERSION, es_username: st?.user?.username ?? '', es_dc: st?.dcName ?? MAIN_DC.name };
}

/** Sends an answer with the common headers. */
function send(req: FastifyRequest, reply: FastifyReply, a: DanubeAnswer): FastifyReply {
  return reply
    .code(a.status)
    .headers({ ...esHeaders(req), ...(a.headers ?? {}) })
    .type('application/json')
    .send(renderer(req)(a.body));
}

/** Authenticates Token and ES-API-KEY requests; every failure is 403 with Danube's texts. */
async function authenticate(core: Core, req: FastifyRequest): Promise<CallState> {
  const source = req.ip;
  const apiKey = req.headers['es-api-key'];
  const auth = String(req.headers.authorization ?? '');
  let principal: Principal | undefined;
  if (typeof apiKey === 'string' && apiKey !== '') {
    principal = await core.credentials.issuers['user-api-key'].verify(apiKey.slice(0, 200), source);
    if (!principal) throw apiError(403, 'Invalid API key');
  } else if (/^Token\s+/i.test(auth)) {
    principal = await core.credentials.issuers['session-token'].verify(
      auth
        .replace(/^Token\s+/i, '')
        .trim()
        .slice(0, 200),
      source,
    );
    if (!principal) throw apiError(403, 'Invalid token.');
  } else throw apiError(403, 'Authentication credentials were not provided.');
  if (Number(principal.user.api_access ?? 1) !== 1) throw apiError(403, 'User account is not allowed to access API');
  const numbers = await core.aliases.numbers('user', 'danube', [principal.user.id]);
  const user: DanubeUser = {
    id: principal.user.id,
    number: numbers.get(principal.user.id)!,
    username: principal.user.username,
    accountId: principal.account.id,
    isSuperAdmin: principal.account.type === 'admin',
  };
  return {
    principal,
    user,
    dcName: MAIN_DC.name,
    authVia: typeof apiKey === 'string' && apiKey !== '' ? 'api_key' : 'token',
  };
}

/** Registers the dialect (mount it with prefix /api). */
export async function danubePlugin(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  danubeCallbacks(core);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_MAX }, (_req, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(apiError(400, `JSON parse error - ${(err as Error).message}`), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_MAX }, (_req, body, done) => {
    if (String(body).trim() === '') return done(null, {});
    done(apiError(415, 'Unsupported media type in request.'), undefined);
  });
  app.setErrorHandler((err, req, reply) => {
    const f = danubeFailure(err as Error, req.id);
    if (f.log === 'warn') req.log.warn({ err: (err as Error).message }, 'danube call failed');
    if (f.log === 'error') req.log.error({ err }, 'danube request failed');
    return send(req, reply, f.answer);
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    for (const method of ['GET', 'POST', 'PUT', 'DELETE'])
      if (method !== req.method && app.findRoute({ method: method as 'GET', url: path }))
        return send(req, reply, { status: 405, body: { detail: `Method "${req.method}" not allowed.` } });
    return reply.code(404).headers(esHeaders(req)).type('application/json').send('Resource not found');
  });
  app.addHook('onRequest', async (req) => {
    const route = req.routeOptions.url;
    if (!route || req.method === 'OPTIONS' || OPEN_PATHS.has(route)) return;
    states.set(req, { dcName: MAIN_DC.name });
    states.set(req, await authenticate(core, req));
  });
  registerChaos(app, core, {
    dialect: 'danube',
    operations: routeOperations,
    accountId: async (req) => states.get(req)?.principal?.account.id,
  });
  const run = async (req: FastifyRequest, reply: FastifyReply, handler: DanubeHandler): Promise<FastifyReply> => {
    const raw = req.method === 'GET' ? req.query : req.body;
    if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw)))
      throw apiError(400, 'Malformed request');
    const data = (raw ?? {}) as Record<string, unknown>;
    const params = (req.params ?? {}) as Record<string, string>;
    if (hasNul(data) || hasNul(params)) throw apiError(400, 'Malformed request');
    const st = states.get(req);
    const dc = DC_UNBOUND.test(req.routeOptions.url ?? '') ? MAIN_DC : await resolveDc(core, data.dc ?? params.dc);
    if (st) st.dcName = dc.name;
    const anonymous: DanubeUser = { id: '', number: 0, username: '', accountId: '', isSuperAdmin: false };
    const q: DanubeRequest = {
      core,
      ctx: st?.principal
        ? contextFor(st.principal, req, `danube:${req.method} ${req.routeOptions.url ?? ''}`)
        : (undefined as never),
      user: st?.user ?? anonymous,
      dc,
      params,
      data,
      authVia: st?.authVia ?? 'none',
      req,
      reply,
    };
    const answer = await handler(q);
    if (answer.task && req.headers['es-stream'] !== undefined)
      return streamTask(q, answer, { ...esHeaders(req), ...(answer.headers ?? {}) }, renderer(req));
    return send(req, reply, answer);
  };
  const router = new DanubeRouter();
  registerRoutes(router);
  router.mount(app, run, UNPREFIXED);
}
