/** The access log and the request id: one JSON line per answered request and an `X-Request-Id` header on every answer. */
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Logger } from 'pino';
import { labelsOf } from './request-labels.js';

/** An incoming request id worth keeping: 1 to 128 printable ASCII characters (no control bytes that could forge log lines). */
const SANE_ID = /^[\x20-\x7e]{1,128}$/;

/** The id of a request: the caller's `X-Request-Id` when it is sane, so a client can follow its call through the log, else a new UUID. */
export function requestIdOf(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
}

/** Sends the request id back on every answer, and (when log is given) writes one access line per answered request; call on the root instance before any plugin. */
export function logRequests(app: FastifyInstance, log: Logger | undefined): void {
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    reply.header('x-request-id', req.id);
    done();
  });
  if (!log || !log.isLevelEnabled('info')) return;
  // Only names are logged (the route pattern or CloudStack command, the account's name): never the URL, whose query
  // carries CloudStack keys and signatures, nor a header, where passwords and tokens travel.
  app.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const { dialect, route, account } = labelsOf(req);
    log.info(
      {
        reqId: req.id,
        dialect,
        account: account ?? null,
        method: req.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
    done();
  });
}
