import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { createRuntime, type Runtime } from '../../../src/runtime.js';
import { buildApp } from '../../../src/app.js';
import { CsClient } from '../../support/cs-client.js';
import { until } from '../../support/until.js';
import { applyChaosSeed } from '../../../src/core/chaos/seed-file.js';

let a: TestEnv | undefined;
let b: { rt: Runtime; app: FastifyInstance } | undefined;
after(async () => {
  await b?.app.close();
  await b?.rt.close();
  await a?.close();
});

test('a rule added through one runtime is applied and listed by another runtime on the same store, and cleared from it', async () => {
  a = await startTestEnv({ NUBE_CHAOS_SEED: '777' });
  const rt = await createRuntime(a.config, {
    startEngine: true,
    log: pino({ level: 'silent' }),
    masterKey: a.masterKey,
  });
  const app = await buildApp({ core: rt.core, readiness: { ready: () => true }, log: rt.log });
  b = { rt, app };
  await app.ready();
  const ops = await a.rt.core.accounts.createAccount('ops', { admin: true, password: 'ops-password' });
  const auth = { authorization: 'Basic ' + Buffer.from(`${ops.user.email}:ops-password`).toString('base64') };
  const csB = new CsClient(app, a.cs.key, a.cs.secret);

  const added = await a.app.inject({
    method: 'POST',
    url: '/admin/chaos',
    headers: auth,
    payload: { dialect: 'cloudstack', operation: 'listZones', kind: 'error', reason: 'unavailable' },
  });
  assert.equal(added.statusCode, 201);
  await until('the other runtime applies the rule', async () => (await csB.call('listZones')).status === 533);
  const listed = (await app.inject({ url: '/admin/chaos', headers: auth })).json();
  assert.equal(listed.seed, 777, 'NUBE_CHAOS_SEED is the seed both runtimes report');
  assert.equal(listed.rules[0].id, added.json().rule.id);

  assert.deepEqual((await app.inject({ method: 'DELETE', url: '/admin/chaos', headers: auth })).json(), { removed: 1 });
  await until('the first runtime sees the rule gone', async () => (await a!.cs.call('listZones')).status === 200);
});

test('a seed file chaos section adds rules and delays, sets the seed, and names the entry at fault', async () => {
  const core = a!.rt.core;
  const applied = await applyChaosSeed(core, {
    seed: 42,
    rules: [{ dialect: 'rest', operation: 'GET /api/v1/*', kind: 'throttle', retry_after: 5 }],
    delays: [{ operation: 'reboot', ms: 1500, jitter: 100 }],
  });
  assert.equal(applied.seed, 42);
  assert.equal(applied.rules[0]!.retry_after, 5);
  const listed = await core.chaos.list();
  assert.equal(listed.seed, 42);
  assert.deepEqual(listed.delays, [{ operation: 'reboot', ms: 1500, jitter: 100 }]);
  await assert.rejects(
    applyChaosSeed(core, { rules: [{ kind: 'error' }, { kind: 'latency', ms: -5 }] }),
    (err: any) => err.kind === 'Invalid' && /chaos\.rules\[1\]\.ms/.test(err.message),
  );
  assert.equal((await core.chaos.list()).rules.length, 1, 'a bad entry adds nothing');
  await core.chaos.clearRules();
  await core.chaos.clearDelays();
});
