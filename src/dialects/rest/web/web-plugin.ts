/**
 * The REST dialect's web pages: sign-in (/login, /logout) and the API Tokens page (/user/api-tokens) where users make
 * the bearer tokens of /api/v1, as DanubeData's quick start describes. Only core calls, no SQL.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../../core/core.js';
import { hasNul } from '../../../http/nul-bytes.js';
import { restErrorHandler } from '../errors.js';
import { apiTokenRoutes } from './api-tokens.js';
import { loginRoutes } from './login.js';

/** Largest form or JSON body the pages take. */
const BODY_MAX = 16 * 1024;

/** Registers the sign-in and API Tokens pages. */
export async function tokenPagesPlugin(app: FastifyInstance, opts: { core: Core }): Promise<void> {
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: BODY_MAX });
  app.setErrorHandler(restErrorHandler);
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.bodyLimit ??= BODY_MAX;
    });
    // NUL bytes are refused before anything reads them (no store can keep them).
    scope.addHook('preValidation', async (req, reply) => {
      if (hasNul(req.body) || hasNul(req.query))
        return reply
          .code(422)
          .type('application/json')
          .send({ message: 'The request holds a NUL byte.', errors: { body: ['The request holds a NUL byte.'] } });
    });
    loginRoutes(scope, opts.core);
    apiTokenRoutes(scope, opts.core);
  });
}
