/** POST /admin/reset, GET /admin/state (the state file, streamed) and PUT /admin/state (a state file to load). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import type { CreatedAccount } from '../../core/accounts/service.js';
import { invalid } from '../../lib/errors.js';

/** The media types a state file may be sent as; the body is read as a stream by the route, never buffered whole. */
const STATE_TYPES = ['application/x-tar', 'application/octet-stream'];

/** Registers the reset and state routes. */
export function stateRoutes(app: FastifyInstance, core: Core): void {
  app.addContentTypeParser(STATE_TYPES, (_req, _payload, done) => done(null, undefined));
  app.post<{ Body: unknown }>('/reset', async (req) => {
    const b = req.body ?? {};
    if (typeof b !== 'object' || Array.isArray(b)) throw invalid('The body must be a JSON object', 'body');
    const flag = (b as Record<string, unknown>).credentials ?? false;
    if (typeof flag !== 'boolean') throw invalid('credentials must be true or false', 'credentials');
    const r = await core.state.reset({ credentials: flag });
    return {
      reset: true,
      took_ms: r.ms,
      cancelled_tasks: r.cancelledTasks,
      admin: r.admin ? 'issued' : r.adminKept ? 'kept' : 'absent',
      ...(r.admin ? { credentials: shownOnce(req, r.admin) } : {}),
    };
  });
  app.get('/state', async (_req, reply) => {
    const stream = await core.state.save();
    return reply
      .type('application/x-tar')
      .header('content-disposition', 'attachment; filename="nube-state.tar"')
      .send(stream);
  });
  app.put('/state', async (req) => {
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    if (!STATE_TYPES.includes(type)) throw invalid(`Send the state file as ${STATE_TYPES.join(' or ')}`, 'body');
    return { loaded: await core.state.load(req.raw) };
  });
}

/** The new admin credentials in the shape of credentials.json, with URLs under the address the call came to. */
function shownOnce(req: FastifyRequest, a: CreatedAccount): Record<string, unknown> {
  const base = `${req.protocol}://${req.headers.host ?? req.hostname}`;
  const c = a.credentials;
  const password = c.password.password;
  return {
    account: a.account.name,
    email: a.user.email,
    password,
    cloudstack: { endpoint: `${base}/compute`, key: c['api-key-pair'].key, secret: c['api-key-pair'].secret },
    cvm: { url: `${base}/api/client`, public: c['token-pair'].public, private: c['token-pair'].private },
    cloudsigma: { url: base, user: a.user.email, password },
    danube: { url: `${base}/api`, username: a.user.username, password, api_key: c['user-api-key'].apiKey },
    rest: { url: `${base}/api/v1`, token: c['api-token'].token },
  };
}
