/** The CloudSigma API 1.0 at the root paths (/drives, /servers, /guests, /resources, /servergroups, /profile and the billing roots): text bodies, Basic auth. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import { BasicAuth } from '../shared/basic-auth.js';
import { errorBody, sigmaError, sigmaRequestError } from './errors.js';
import { CoreError } from '../../lib/errors.js';
import { SigmaRouter, TEXT_BODY_MAX } from './router.js';
import { profileRoutes } from './routes/profile.js';
import { driveRoutes } from './routes/drives.js';
import { driveDataRoutes, WRITE_BODY_MAX } from './routes/drive-data.js';
import { serverRoutes } from './routes/servers.js';
import { resourceRoutes } from './routes/resources.js';
import { serverGroupRoutes } from './routes/server-groups.js';
import { billingRoutes } from './routes/billing.js';
import { registerChaos, routeOperations } from '../shared/chaos.js';

/** The first path segments this dialect owns; unknown commands under them answer 404 in text. */
export const SIGMA_ROOTS = [
  'drives',
  'servers',
  'guests',
  'guest',
  'resources',
  'servergroups',
  'servergroupss',
  'profile',
  'billing',
  'currencies',
  'usage',
  'pricing',
  'transactions',
  'balance',
  'subscriptions',
];

/** Answers a request under the dialect's roots whose URL the router cannot decode (a broken percent-escape, an overlong segment). */
export function sigmaBadUrl(reply: FastifyReply, why: string): FastifyReply {
  return reply.code(400).type('text/plain; charset=utf-8').send(errorBody(why));
}

/** Registers the dialect (encapsulated: its body parsers and error handler stay inside). */
export async function cloudsigmaPlugin(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  // Clients send Content-Type: application/json with text bodies: every body is taken as bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WRITE_BODY_MAX }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    // Core errors thrown by hooks (chaos) are answered as handlers' are; anything else is Fastify's own request error.
    const e =
      err instanceof CoreError
        ? sigmaError(err, req.id)
        : sigmaRequestError(err, req.id, req.routeOptions.bodyLimit ?? TEXT_BODY_MAX);
    if (e.internal) req.log.error({ err }, 'cloudsigma request failed');
    if (e.retryAfterSec !== undefined) reply.header('retry-after', String(e.retryAfterSec));
    return reply.code(e.status).type('text/plain; charset=utf-8').send(e.body);
  });
  const auth = new BasicAuth(opts.core);
  registerChaos(app, opts.core, {
    dialect: 'cloudsigma',
    operations: routeOperations,
    accountId: async (req) => (await auth.check(req.headers.authorization, req.ip))?.account.id,
  });
  const r = new SigmaRouter(app, opts.core, auth);
  profileRoutes(r);
  driveRoutes(r);
  driveDataRoutes(r);
  serverRoutes(r);
  resourceRoutes(r);
  serverGroupRoutes(r);
  billingRoutes(r);
  // Unknown commands are answered before their body is read.
  const unknown = async (req: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(404)
      .type('text/plain; charset=utf-8')
      .send(errorBody(`No such command: ${req.method} ${req.url.split('?')[0]}`));
  for (const root of SIGMA_ROOTS) app.all(`/${root}/*`, { onRequest: unknown, bodyLimit: TEXT_BODY_MAX }, unknown);
}
