import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { CsClient } from '../support/cs-client.js';
import { catalog, deploy } from './cloudstack/vm-fixtures.js';
import { SigmaClient } from './cloudsigma/sigma-client.js';
import { cvmFor, vpsNamed, type CvmClient } from './cvm/cvm-client.js';

let env: TestEnv;
let cs: CsClient;
let sigma: SigmaClient;
let cvm: CvmClient;
before(async () => {
  env = await startTestEnv({ NUBE_SYNC_WAIT_MS: '10000' });
  const a = await env.rt.core.accounts.createAccount('xd', { password: 'pw-xd-secret' });
  cs = new CsClient(env.app, a.cloudstack.key, a.cloudstack.secret);
  sigma = new SigmaClient(env.app, a.user.email, 'pw-xd-secret');
  cvm = await cvmFor(env, 'xd');
});
after(async () => { await env.close(); });

/** The VM's state as each dialect lists it: CloudStack state, CloudSigma status, CVM status. */
async function seen(id: string, hostname: string): Promise<{ cs: string; sigma: string; cvm: string }> {
  const vm = (await cs.ok('listVirtualMachines', { id })).virtualmachine?.[0];
  assert.ok((await sigma.get('/servers/list')).list.includes(id), 'CloudSigma lists the server');
  const server = (await sigma.get(`/servers/${id}/info`)).record;
  const vps = await vpsNamed(cvm, hostname);
  const status = (await cvm.get(`/vps/${vps.id}/status`)).body.response.status;
  return { cs: vm.state, sigma: server.status!, cvm: status };
}

/** Each exclusive task of the VM, oldest first, with its log: every task logged once per status, ending in SUCCESS. */
async function taskKinds(id: string): Promise<string[]> {
  const db = env.rt.store.db;
  const tasks = await db.selectFrom('tasks').select(['id', 'kind', 'status']).where('object_id', '=', id).where('kind', 'like', 'vm.%')
    .orderBy('created_at').orderBy('id').execute();
  for (const t of tasks) {
    assert.equal(t.status, 'SUCCESS', `${t.kind} succeeded`);
    const log = await db.selectFrom('task_log').select('status').where('task_id', '=', t.id).execute();
    const statuses = log.map((l) => l.status);
    assert.deepEqual([...new Set(statuses)].sort(), [...statuses].sort(), `${t.kind}: no step is logged twice (${statuses.join(', ')})`);
    assert.ok(statuses.includes('SUCCESS'), `${t.kind}: its end is logged`);
  }
  return tasks.map((t) => t.kind);
}

test('a VM created through CloudStack is listed, stopped, started and destroyed through CloudSigma and CVM', async () => {
  const c = await catalog(cs);
  const vm = (await deploy(cs, c, { name: 'from-cs' })).virtualmachine;
  assert.deepEqual(await seen(vm.id, 'from-cs'), { cs: 'Running', sigma: 'active', cvm: 'running' });
  await sigma.post(`/servers/${vm.id}/stop`, undefined, 204);
  assert.deepEqual(await seen(vm.id, 'from-cs'), { cs: 'Stopped', sigma: 'stopped', cvm: 'stopped' });
  const serial = (await vpsNamed(cvm, 'from-cs')).id;
  assert.equal((await cvm.post(`/vps/${serial}/start`)).status, 200);
  assert.deepEqual(await seen(vm.id, 'from-cs'), { cs: 'Running', sigma: 'active', cvm: 'running' });
  assert.equal((await cvm.post(`/vps/${serial}/stop`)).status, 200);
  await sigma.post(`/servers/${vm.id}/start`);
  assert.deepEqual(await seen(vm.id, 'from-cs'), { cs: 'Running', sigma: 'active', cvm: 'running' });
  await sigma.post(`/servers/${vm.id}/destroy`, undefined, 204);
  assert.equal((await cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine?.length ?? 0, 0);
  assert.ok(!(await sigma.get('/servers/list')).list.includes(vm.id));
  assert.ok(!(await cvm.get('/vps/list')).body.response.vpses.some((v: { hostname: string }) => v.hostname === 'from-cs'));
  assert.deepEqual(await taskKinds(vm.id), ['vm.create', 'vm.stop', 'vm.start', 'vm.stop', 'vm.start', 'vm.destroy']);
});

test('a VM created through CloudSigma is listed, started, stopped and destroyed through CloudStack and CVM', async () => {
  const drive = (await sigma.post('/drives/create', { name: 'xd-disk', size: '1G' })).record.drive!;
  const server = (await sigma.post('/servers/create', { name: 'from-sigma', cpu: '1000', mem: '512', 'ide:0:0': drive })).record;
  const id = server.server!;
  const hostname = (await cs.ok('listVirtualMachines', { id })).virtualmachine[0].name;
  assert.deepEqual(await seen(id, hostname), { cs: 'Stopped', sigma: 'stopped', cvm: 'stopped' });
  await cs.done('startVirtualMachine', { id });
  assert.deepEqual(await seen(id, hostname), { cs: 'Running', sigma: 'active', cvm: 'running' });
  const serial = (await vpsNamed(cvm, hostname)).id;
  assert.equal((await cvm.post(`/vps/${serial}/stop`)).status, 200);
  assert.deepEqual(await seen(id, hostname), { cs: 'Stopped', sigma: 'stopped', cvm: 'stopped' });
  assert.equal((await cvm.post(`/vps/${serial}/start`)).status, 200);
  await cs.done('stopVirtualMachine', { id });
  assert.deepEqual(await seen(id, hostname), { cs: 'Stopped', sigma: 'stopped', cvm: 'stopped' });
  await cs.done('destroyVirtualMachine', { id });
  assert.equal((await cs.ok('listVirtualMachines', { id })).virtualmachine?.length ?? 0, 0);
  assert.ok(!(await sigma.get('/servers/list')).list.includes(id));
  assert.ok(!(await cvm.get('/vps/list')).body.response.vpses.some((v: { hostname: string }) => v.hostname === hostname));
  assert.deepEqual(await taskKinds(id), ['vm.create', 'vm.start', 'vm.stop', 'vm.start', 'vm.stop', 'vm.destroy']);
});
