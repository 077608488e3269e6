/** The operator HTTP API under /admin (HTTP Basic auth of an admin account's user): hosts, VM consoles, sim faults, chaos, the task log, reset and state files. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import { CoreError, invalid } from '../../lib/errors.js';
import { hasNul, nulInRequest } from '../../http/nul-bytes.js';
import { adminErrorHandler } from './errors.js';
import { BasicAuth } from '../shared/basic-auth.js';
import { contextFor } from '../shared/context.js';
import type { Principal } from '../../core/accounts/principal.js';
import type { CallContext } from '../../lib/context.js';
import { taskLogRoutes } from './tasks-log.js';
import { chaosRoutes } from './chaos.js';
import { stateRoutes } from './state.js';
import { requestSlot } from '../../http/request-slot.js';

/** Answers a call whose URL the router cannot decode (a broken percent-escape, an overlong segment). */
export function adminBadUrl(reply: FastifyReply, why: string): FastifyReply {
  return reply.code(400).type('application/json').send({ error: why });
}

/** Registers the admin routes. */
export async function adminPlugin(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  const { core } = opts;
  const callers = requestSlot<Principal>('nube.admin.caller');
  app.setErrorHandler(adminErrorHandler);
  // NUL bytes are refused before anything reads them (no store can keep them).
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const nul = nulInRequest(req, { basic: true });
    if (nul)
      return reply.code(400).send({
        error: `The ${nul === 'authorization' ? 'Authorization header' : nul === 'path' ? 'path' : 'query string'} holds a NUL byte`,
      });
  });
  app.addHook('preValidation', async (req: FastifyRequest, reply: FastifyReply) => {
    if (hasNul(req.body)) return reply.code(400).send({ error: 'The request body holds a NUL byte' });
  });
  // Signed-in admins are remembered as CloudSigma's users are: a script or test suite calling the admin API many times
  // pays one scrypt, not one per call (each still rechecks the user's row).
  const logins = new BasicAuth(core);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const who = await logins.check(req.headers.authorization, req.ip);
    if (!who || who.account.type !== 'admin') {
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="nube-admin"')
        .send({ error: 'Admin credentials required' });
    }
    callers.set(req, who);
  });
  const contextOf = (req: FastifyRequest, origin: string): CallContext => {
    const who = callers.get(req);
    if (!who) throw new Error('Admin request without an authenticated caller');
    return contextFor(who, req, origin);
  };
  app.get('/hosts', async () => ({ hosts: await core.hosts.list() }));
  app.post<{ Params: { id: string }; Body: { state?: string } }>('/hosts/:id/state', async (req) => {
    const state = req.body?.state;
    if (state !== 'up' && state !== 'down')
      throw new CoreError('Invalid', 'bad_input', 'state must be up or down', { state: ['must be up or down'] });
    return { host: await core.hosts.setState(req.params.id, state) };
  });
  app.get<{ Params: { id: string } }>('/vms/:id/console', async (req, reply) => {
    const c = await core.vmConsole.read(req.params.id);
    return reply.type('text/plain; charset=utf-8').send(c.console);
  });
  taskLogRoutes(app, core, contextOf);
  chaosRoutes(app, core);
  stateRoutes(app, core);
  app.get('/sim/faults', async () => ({ faults: await core.hosts.listFaults() }));
  app.post<{ Body: Record<string, unknown> }>('/sim/faults', async (req, reply) => {
    const b = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const fault = await core.hosts.addFault({
      kind: String(b.kind ?? '') as never,
      hostId: b.host_id ? String(b.host_id) : undefined,
      vmId: b.vm_id ? String(b.vm_id) : undefined,
      value: wholeNumber(b.value, 'value'),
      count: wholeNumber(b.count, 'count'),
    });
    return reply.code(201).send({ fault });
  });
  app.delete<{ Params: { id?: string } }>('/sim/faults/:id?', async (req) => ({
    removed: await core.hosts.clearFaults(req.params.id),
  }));
}

/** An optional whole number from a JSON or form body (a number or its decimal text), or Invalid naming the field. */
function wholeNumber(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d{1,15}\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw invalid(`${field} must be a whole number`, field);
  return n;
}
