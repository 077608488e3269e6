import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { catalog, deploy } from '../cloudstack/vm-fixtures.js';
import { cvmFor, vpsNamed } from './cvm-client.js';

let env: TestEnv;
before(async () => {
  env = await startTestEnv({ NUBE_SYNC_WAIT_MS: '10000' });
});
after(async () => {
  await env.close();
});

test('a reinstall onto a larger template past the storage limit answers 403 and keeps the VPS as it was', async () => {
  const bob = await env.account('bob');
  await env.rt.core.quotas.set('bob', { storage_gb: 20 });
  const cvm = await cvmFor(env, 'bob');
  await deploy(bob, await catalog(bob), { name: 'small1' });
  const v = await vpsNamed(cvm, 'small1');
  const templates = (await cvm.get('/template/list')).body.response.templates;
  const big = templates.find((t: any) => /Windows/.test(t.name));
  const r = await cvm.post(`/vps/${v.id}/reinstall`, { template: big.id });
  assert.equal(r.status, 403);
  assert.equal(r.body.errors.length, 1);
  assert.match(
    r.body.errors[0],
    /^Limit exceeded: this account may have at most 20 GB of volume storage; it has 10 and this needs 40 more/,
  );
  assert.equal((await vpsNamed(cvm, 'small1')).template, v.template);
  await env.rt.core.quotas.set('bob', { storage_gb: 50 });
  assert.equal((await cvm.post(`/vps/${v.id}/reinstall`, { template: big.id })).status, 200);
});
