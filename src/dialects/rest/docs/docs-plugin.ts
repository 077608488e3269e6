/**
 * The REST API's documentation: the OpenAPI document at /docs/api.json and the interactive docs (Swagger UI) at
 * /docs/api, whose assets come from the @fastify/swagger-ui package so the page works offline, without any CDN.
 */
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { API_TITLE } from './openapi.js';

/** Where the interactive docs live (DanubeData's path). */
const DOCS_PREFIX = '/docs/api';

/** The logo in the docs' top bar (instead of Fastify's). */
const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="150" height="40" viewBox="0 0 150 40">
<text x="0" y="29" font-family="sans-serif" font-size="26" font-weight="700" fill="#fff">Nube API</text></svg>`;

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
    logo: { type: 'image/svg+xml', content: LOGO },
  });
}
