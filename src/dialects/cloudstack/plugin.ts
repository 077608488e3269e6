/** The CloudStack/Exoscale compute API v1 at /compute, /client/api and /v1: signed commands, JSON or XML answers. */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import formbody from '@fastify/formbody';
import type { Core } from '../../core/core.js';
import { contextFor } from '../shared/context.js';
import { checkExpiry, verifySignature } from './signature.js';
import { collectParams, decodeParams } from './params.js';
import { toJson, toXml } from './serialize.js';
import { csError, CsFailure, PARAM_ERROR, UNAUTHENTICATED, UNKNOWN_COMMAND } from './errors.js';
import type { CsAnswer, CsCommand } from './command.js';
import { allCommands } from './commands/index.js';
import { labelRoute } from '../../http/request-labels.js';
import { hasNul } from '../../http/nul-bytes.js';
import { AnswerCache, readAt } from '../shared/answer-cache.js';
import { registerChaos } from '../shared/chaos.js';
import { requireOperation } from '../../core/permissions.js';
import { operationOf } from './iam-operations.js';
import { bodyAnnounced } from '../../http/edge.js';
import type { SignedRequest } from '../../core/credentials/api-key-pair.js';
import type { Principal } from '../../core/accounts/principal.js';

/** CloudStack's prefixes; all serve the same commands. */
const CS_PREFIXES = ['/compute', '/client/api', '/v1'];

/** Largest user data in a GET query string, after base64 (CloudStack's limit). */
const USERDATA_GET_MAX = 2048;

/** Registers the dialect's routes on the app. */
export async function cloudstackPlugin(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const core = opts.core;
  const commands = allCommands();
  const byName = new Map<string, CsCommand>(commands.map((c) => [c.name.toLowerCase(), c]));
  const operations = new Map<CsCommand, string>(commands.map((c) => [c, operationOf(c)]));
  // Kept answers stand for whole commands: the guard they keep is the command's IAM operation, named in each ctx.
  const answers = new AnswerCache(core, undefined);
  await app.register(formbody, { bodyLimit: 1024 * 1024 });
  // Parameters come from the query and form bodies; a flat JSON object body is accepted too, any other body is ignored.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) =>
    done(null, jsonParams(String(body))),
  );
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, _body, done) =>
    done(null, undefined),
  );
  app.setErrorHandler((err, req, reply) => {
    const { lower } = collectParams(
      req.query as Record<string, string>,
      isRecord(req.body) ? (req.body as Record<string, string>) : undefined,
    );
    return sendError(
      req,
      reply,
      (lower.get('response') ?? '').toLowerCase() === 'json',
      responseKey(lower.get('command') ?? ''),
      err,
    );
  });

  // Chaos rules name a request by its command; an account-bound rule checks the request's signature to learn its account.
  const paramsOf = (req: FastifyRequest) =>
    collectParams(
      req.query as Record<string, string>,
      isRecord(req.body) ? (req.body as Record<string, string>) : undefined,
    );
  registerChaos(app, core, {
    dialect: 'cloudstack',
    operations: (req) => [paramsOf(req).lower.get('command') ?? ''],
    accountId: async (req) => {
      const { pairs, lower } = paramsOf(req);
      return (await authenticate(core, pairs, lower, req.ip)).account.id;
    },
  });

  /** A signed GET's cached answer when all it needs is known without waiting (see AnswerCache.peek), else undefined. */
  const cachedAnswer = (req: FastifyRequest) => {
    if (req.method !== 'GET' || bodyAnnounced(req) || !core.chaos.quiet('cloudstack')) return undefined;
    const { pairs, lower } = collectParams(req.query as Record<string, string>, undefined);
    const cmd = byName.get((lower.get('command') ?? '').toLowerCase());
    if (!cmd?.cacheable || hasNul(pairs)) return undefined;
    const principal = signerNow(core, pairs, lower, req.ip, req.arrivedAt);
    if (!principal || (cmd.adminOnly && principal.account.type !== 'admin')) return undefined;
    const ctx = contextFor(principal, req, `cloudstack:${cmd.name}`, operations.get(cmd));
    let params: Record<string, unknown>;
    try {
      params = decodeParams(cmd.name, cmd.params, lower);
    } catch {
      return undefined;
    }
    const json = (lower.get('response') ?? '').toLowerCase() === 'json';
    const bytes = answers.peek(ctx, answerKey(json, cmd, params), req.arrivedAt);
    return bytes && { cmd, json, bytes };
  };
  // Metrics name a request by its command once it is known to exist, so unknown names cannot grow the label set. A
  // cached answer goes out from this hook, without a promise, a body parser or the handler; anything else goes on to
  // the handler, which answers every case (with the same bytes, or the right error).
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const hit = cachedAnswer(req);
    labelRoute(req, hit?.cmd.name ?? 'unknown');
    if (hit) sendText(reply.code(200), hit.json, hit.bytes);
    else done();
  });

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const { pairs, lower } = collectParams(
      req.query as Record<string, string>,
      isRecord(req.body) ? (req.body as Record<string, string>) : undefined,
    );
    const json = (lower.get('response') ?? '').toLowerCase() === 'json';
    const commandName = lower.get('command') ?? '';
    const key = responseKey(commandName);
    const cmd = byName.get(commandName.toLowerCase());
    if (cmd) labelRoute(req, cmd.name);
    try {
      if (hasNul(pairs)) throw new CsFailure(PARAM_ERROR, 'A parameter name or value holds a NUL byte');
      const principal = await authenticate(core, pairs, lower, req.ip);
      if (!cmd || (cmd.adminOnly && principal.account.type !== 'admin'))
        throw new CsFailure(UNKNOWN_COMMAND, 'The given command does not exist or it is not available for user');
      // Every command names its IAM operation, and a restricted key is refused one it lacks before anything else runs.
      const ctx = contextFor(principal, req, `cloudstack:${cmd.name}`, operations.get(cmd));
      requireOperation(ctx);
      const params = decodeParams(cmd.name, cmd.params, lower);
      if (req.method === 'GET' && typeof params.userdata === 'string' && params.userdata.length > USERDATA_GET_MAX) {
        throw new CsFailure(
          PARAM_ERROR,
          `User data is too long for an HTTP GET request (${params.userdata.length} > ${USERDATA_GET_MAX} base64 characters); use POST`,
        );
      }
      const run = async (version?: number) => {
        const answer = await cmd.handle(core, readAt(ctx, version), params, {
          method: req.method,
          apiKey: lower.get('apikey') ?? '',
          commands,
        });
        return { text: render(json, cmd.responseKey ?? `${cmd.name.toLowerCase()}response`, bodyOf(answer)), ok: true };
      };
      const text = cmd.cacheable
        ? await answers.get(ctx, answerKey(json, cmd, params), run, req.arrivedAt)
        : (await run()).text;
      return sendText(reply.code(200), json, text);
    } catch (err) {
      return sendError(req, reply, json, key, err);
    }
  };
  for (const prefix of CS_PREFIXES) {
    app.get(prefix, handler);
    app.post(prefix, handler);
  }
}

/** `<command>response`, reduced to a valid XML name (unknown or odd commands answer under `errorresponse`). */
function responseKey(command: string): string {
  const name = command
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 100);
  return /^[a-z]/.test(name) ? `${name}response` : 'errorresponse';
}

function bodyOf(a: CsAnswer): Record<string, unknown> {
  return a.kind === 'sync' ? a.body : a.id ? { id: a.id, jobid: a.jobId } : { jobid: a.jobId };
}

/** Answers anything thrown while serving a request as errors.ts maps it; unexpected exceptions are logged. */
function sendError(req: FastifyRequest, reply: FastifyReply, json: boolean, key: string, err: unknown) {
  const e = csError(err, req.id);
  if (e.unexpected) req.log.error({ err }, 'cloudstack request failed');
  if (e.retryAfterSec !== undefined) reply.header('retry-after', String(e.retryAfterSec));
  return send(reply, json, key, e.status, e.body);
}

function send(reply: FastifyReply, json: boolean, key: string, status: number, body: unknown) {
  return sendText(reply.code(status), json, render(json, key, body));
}

/** The answer's text in the format asked for. */
function render(json: boolean, key: string, body: unknown): string {
  return json ? toJson(key, body) : toXml(key, body);
}

function sendText(reply: FastifyReply, json: boolean, text: string | Buffer) {
  return reply.type(json ? 'application/json; charset=utf-8' : 'text/xml; charset=UTF-8').send(text);
}

/** The key under which a cacheable command's answer is kept (the cache adds the account): the format, the command and its parameters. */
function answerKey(json: boolean, cmd: CsCommand, params: Record<string, unknown>): string {
  return `${json}\n${cmd.name}\n${JSON.stringify(params)}`;
}

/** The API key of a request's parameters and a check of their signature; undefined when either is missing or the key is malformed. */
function signedRequest(pairs: Array<[string, string]>, lower: Map<string, string>): SignedRequest | undefined {
  const apiKey = lower.get('apikey');
  const signature = lower.get('signature');
  if (!apiKey || !signature || apiKey.length > 256 || apiKey.includes('\0')) return undefined;
  const signed = pairs.filter(([k]) => k.toLowerCase() !== 'signature');
  return { key: apiKey, check: (secret: string) => verifySignature(signed, signature, secret) };
}

/** The signer of a request when known without waiting and its signature has not expired; undefined sends it to authenticate. */
function signerNow(
  core: Core,
  pairs: Array<[string, string]>,
  lower: Map<string, string>,
  source: string,
  since: number,
): Principal | undefined {
  const signed = signedRequest(pairs, lower);
  const principal = signed && core.credentials.issuers['api-key-pair'].verifyNow(signed, source, since);
  return principal && checkExpiry(lower, new Date()) === 'ok' ? principal : undefined;
}

/** The signer of a request sent from source; 401 for missing or wrong credentials, RateLimited (429) while the source or API key is locked out. */
async function authenticate(core: Core, pairs: Array<[string, string]>, lower: Map<string, string>, source: string) {
  const bad = () => new CsFailure(UNAUTHENTICATED, 'unable to verify user credentials and/or request signature');
  const signed = signedRequest(pairs, lower);
  const principal = signed && (await core.credentials.issuers['api-key-pair'].verify(signed, source));
  if (!principal) throw bad();
  const expiry = checkExpiry(lower, new Date());
  if (expiry === 'expired') throw new CsFailure(UNAUTHENTICATED, 'signature has expired (expires is in the past)');
  if (expiry === 'invalid')
    throw new CsFailure(
      UNAUTHENTICATED,
      'expires must be a date like 2030-01-01T00:00:00+0000 when signatureVersion=3',
    );
  return principal;
}

/** A JSON object body of scalar values as string parameters; anything else is no parameters. */
function jsonParams(text: string): Record<string, string> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    if (!isRecord(v) || Array.isArray(v)) return undefined;
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
    }
    return out;
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Buffer.isBuffer(v);
}
