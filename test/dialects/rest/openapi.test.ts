/** The REST API's OpenAPI document (/docs/api.json) and interactive docs (/docs/api): a valid OpenAPI 3 document of the REST routes only, and a docs page that needs nothing from outside. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';

let env: TestEnv;
before(async () => {
  env = await startTestEnv();
});
after(async () => {
  await env.close();
});

/** The document as a client downloads it. */
async function document(): Promise<{ [k: string]: unknown; paths: Record<string, Record<string, unknown>> }> {
  const res = await env.app.inject({ method: 'GET', url: '/docs/api.json' });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  return res.json();
}

test('/docs/api.json is a valid OpenAPI 3.0 document titled for the DanubeData API v1, with bearer auth', async () => {
  const doc = await document();
  assert.equal(doc.openapi, '3.0.3');
  assert.equal((doc.info as { title: string }).title, 'Nube — DanubeData API v1');
  const result = await new Validator().validate(doc as Parameters<Validator['validate']>[0]);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1)?.slice(0, 4000));
  const schemes = (doc.components as { securitySchemes: Record<string, unknown> }).securitySchemes;
  assert.deepEqual(
    { type: (schemes.bearerAuth as { type: string }).type, scheme: (schemes.bearerAuth as { scheme: string }).scheme },
    { type: 'http', scheme: 'bearer' },
  );
});

test('the document holds the REST routes and nothing of the other dialects or of the pages', async () => {
  const doc = await document();
  const paths = Object.keys(doc.paths);
  assert.ok(doc.paths['/api/user']?.get, `GET /api/user is documented (paths: ${paths.join(' ')})`);
  assert.ok(doc.paths['/api/v1/vps']?.get, 'GET /api/v1/vps is documented');
  const foreign = paths.filter((p) => p !== '/api/user' && !p.startsWith('/api/v1/') && p !== '/api/v1');
  assert.deepEqual(foreign, [], 'only /api/v1/... and /api/user are documented');
  const list = doc.paths['/api/v1/vps']!.get as { security?: unknown };
  assert.deepEqual(list.security ?? doc.security, [{ bearerAuth: [] }]);
});

test('/docs/api (with or without a trailing slash) is the interactive docs page, built only from local assets', async () => {
  for (const url of ['/docs/api', '/docs/api/']) {
    const res = await env.app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 200)}`);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /<div id="swagger-ui">/);
    const refs = [...res.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(refs.length >= 4, `the page loads its scripts and styles (${refs.join(' ')})`);
    for (const ref of refs) {
      assert.doesNotMatch(ref, /^(https?:)?\/\//, `${ref} is not fetched from another host`);
      const asset = await env.app.inject({ method: 'GET', url: new URL(ref, `http://nube.test${url}`).pathname });
      assert.equal(asset.statusCode, 200, `${ref} is served from ${url}`);
    }
  }
  const init = await env.app.inject({ method: 'GET', url: '/docs/api/static/swagger-initializer.js' });
  assert.equal(init.statusCode, 200);
  assert.match(init.body, /"persistAuthorization":true/);
  assert.match(init.body, /"tryItOutEnabled":true/);
});
