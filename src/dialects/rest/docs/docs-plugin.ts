/**
 * The REST API's documentation: the OpenAPI document at /docs/api.json and the interactive docs (Swagger UI) at
 * /docs/api, whose assets come from the @fastify/swagger-ui package so the page works offline, without any CDN.
 */
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { API_TITLE } from './openapi.js';

/** Where the interactive docs live (DanubeData's path). */
const DOCS_PREFIX = '/docs/api';

/** Registers /docs/api.json and the interactive docs under /docs/api (needs registerOpenApi on the root app). */
export async function restDocsPlugin(app: FastifyInstance): Promise<void> {
  app.get('/docs/api.json', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('application/json; charset=utf-8').send(app.swagger()),
  );
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiConfig: {
      persistAuthorization: true,
      tryItOutEnabled: true,
      displayRequestDuration: true,
      docExpansion: 'list',
      filter: true,
    },
    theme: { title: API_TITLE },
  });
}
