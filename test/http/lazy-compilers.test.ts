/** Route schemas compiled on first request or by background warming answer alike: validation errors and filtered answers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { Type } from '@sinclair/typebox';
import { LazyCompilers } from '../../src/http/lazy-compilers.js';

/** An app with one route whose query is validated and whose answer is shaped by its schema. */
async function appWith(compilers: LazyCompilers) {
  const app = Fastify({ schemaController: compilers.controller() as never });
  app.get(
    '/things',
    {
      schema: {
        querystring: Type.Object({ size: Type.Integer({ minimum: 1 }) }),
        response: { 200: Type.Object({ size: Type.Integer(), name: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (req) => ({ size: (req.query as { size: number }).size, name: null, secret: 'never shown' }),
  );
  await app.ready();
  return app;
}

/** What the route answers to a good and a bad query. */
async function answers(app: Awaited<ReturnType<typeof appWith>>) {
  const good = await app.inject({ url: '/things?size=3' });
  const bad = await app.inject({ url: '/things?size=0' });
  return [good.statusCode, good.json(), bad.statusCode, bad.json().message];
}

test('a route warmed in the background validates and answers exactly as one compiled by its first request', async () => {
  const lazy = await appWith(new LazyCompilers());
  const expected = await answers(lazy);
  assert.deepEqual(expected, [200, { size: 3, name: null }, 400, 'querystring/size must be >= 1']);
  await lazy.close();

  const compilers = new LazyCompilers();
  const warmed = await appWith(compilers);
  compilers.warm();
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(await answers(warmed), expected);
  await warmed.close();
});
