import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { catalog, deploy, type Catalog } from '../cloudstack/vm-fixtures.js';
import { cvmFor, vpsNamed, type CvmClient } from './cvm-client.js';

let env: TestEnv;
let cvm: CvmClient;
let c: Catalog;
before(async () => {
  env = await startTestEnv({ NUBE_SYNC_WAIT_MS: '10000' });
  cvm = await cvmFor(env, 'alice');
  c = await catalog(env.cs);
});
after(async () => {
  await env.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('vps/list and /list show VMs of every dialect as VPSes with string values and split traffic by default', async () => {
  const vm = (await deploy(env.cs, c, { name: 'web1' })).virtualmachine;
  const v = await vpsNamed(cvm, 'web1');
  const row = await env.rt.store.db
    .selectFrom('vms')
    .select('serial')
    .where('id', '=', vm.id)
    .executeTakeFirstOrThrow();
  assert.equal(v.id, String(row.serial));
  assert.equal(v.virtualization_type, '1');
  assert.equal(v.guaranteed_ram, String(c.micro.memory));
  assert.equal(v.burstable_ram, String(c.micro.memory));
  assert.equal(v.cpu_count, String(c.micro.cpunumber));
  assert.match(v.disk_space, /^[0-9]+$/);
  assert.match(v.node, /^[0-9]+$/);
  for (const k of ['traffic_in_limit', 'traffic_out_limit', 'traffic_in_used', 'traffic_out_used'])
    assert.equal(typeof v[k], 'string', k);
  assert.equal(v.traffic_limit, undefined);
  for (const val of Object.values(v)) assert.equal(typeof val, 'string');
  const alt = await cvm.get('/list');
  assert.deepEqual(
    alt.body.response.vpses.map((x: any) => x.id),
    (await cvm.get('/vps/list')).body.response.vpses.map((x: any) => x.id),
  );
});

test('status: running with RAM in use, traffic metered from the driver counters and growing with uptime', async () => {
  await deploy(env.cs, c, { name: 'meter1' });
  const v = await vpsNamed(cvm, 'meter1');
  await sleep(2100);
  const st = await cvm.get(`/vps/${v.id}/status`);
  assert.equal(st.status, 200);
  assert.equal(st.body.response.status, 'running');
  assert.ok(Number(st.body.response.ram_used) > 0);
  assert.match(st.body.response.disk_used, /^[0-9]+$/);
  const in1 = Number(st.body.response.traffic_in_used);
  assert.ok(in1 > 0 && Number(st.body.response.traffic_out_used) > 0, JSON.stringify(st.body));
  assert.equal(st.body.response.traffic_in_limit, undefined, 'the status call shows only the used keys');
  await sleep(1100);
  const again = (await cvm.get(`/vps/${v.id}`)).body.response;
  assert.ok(Number(again.traffic_in_used) > in1, 'counters keep adding');
  assert.equal(again.hostname, 'meter1');
  assert.equal(again.status, 'running');
});

test('operator traffic limits switch a VPS between combined and split accounting', async () => {
  await deploy(env.cs, c, { name: 'traffic1' });
  const v = await vpsNamed(cvm, 'traffic1');
  await env.rt.core.traffic.setLimits(Number(v.id), { total: 5_000_000_000 });
  const combined = await vpsNamed(cvm, 'traffic1');
  assert.equal(combined.traffic_limit, '5000000000');
  assert.match(combined.traffic_used, /^[0-9]+$/);
  assert.equal(combined.traffic_in_limit, undefined);
  const st = (await cvm.get(`/vps/${v.id}/status`)).body.response;
  assert.ok('traffic_used' in st && !('traffic_in_used' in st));
  await env.rt.core.traffic.setLimits(Number(v.id), { total: 0, in: 100, out: 200 });
  const split = await vpsNamed(cvm, 'traffic1');
  assert.deepEqual([split.traffic_in_limit, split.traffic_out_limit, split.traffic_limit], ['100', '200', undefined]);
});

test('stop, start and restart wait for the VM and answer 200; CloudStack sees the same state', async () => {
  const vm = (await deploy(env.cs, c, { name: 'pw1' })).virtualmachine;
  const v = await vpsNamed(cvm, 'pw1');
  const stop = await cvm.post(`/vps/${v.id}/stop`);
  assert.deepEqual([stop.status, stop.body], [200, { response: {} }]);
  assert.equal((await cvm.get(`/vps/${v.id}/status`)).body.response.status, 'stopped');
  assert.equal((await env.cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine[0].state, 'Stopped');
  assert.equal((await cvm.post(`/vps/${v.id}/restart`)).status, 200, 'restart of a stopped VPS starts it');
  assert.equal((await cvm.get(`/vps/${v.id}/status`)).body.response.status, 'running');
  assert.equal((await cvm.post(`/vps/${v.id}/restart`)).status, 200);
  assert.equal((await cvm.post(`/vps/${v.id}/stop`)).status, 200);
  assert.equal((await cvm.post(`/vps/${v.id}/start`)).status, 200);
  assert.equal((await env.cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine[0].state, 'Running');
});

test('start of a running VPS and a failing start are 500 with the reason', async () => {
  await deploy(env.cs, c, { name: 'fail1' });
  const v = await vpsNamed(cvm, 'fail1');
  const again = await cvm.post(`/vps/${v.id}/start`);
  assert.equal(again.status, 500);
  assert.match(again.body.errors[0], /running/);
  assert.equal((await cvm.post(`/vps/${v.id}/stop`)).status, 200);
  await env.rt.core.hosts.addFault({ kind: 'fail_next_start', vmId: await vmId('fail1') });
  const failed = await cvm.post(`/vps/${v.id}/start`);
  assert.equal(failed.status, 500);
  assert.match(failed.body.errors[0], /fail/i);
  assert.equal((await cvm.get(`/vps/${v.id}/status`)).body.response.status, 'stopped');
});

test('an unreachable host node: status unknown, stop and restart 503, start 503 when no node answers', async () => {
  await deploy(env.cs, c, { name: 'down1' });
  const v = await vpsNamed(cvm, 'down1');
  const row = await env.rt.store.db
    .selectFrom('vms')
    .select(['host_id', 'id'])
    .where('name', '=', 'down1')
    .executeTakeFirstOrThrow();
  const fault = await env.rt.core.hosts.addFault({ kind: 'host_unreachable', hostId: row.host_id! });
  try {
    assert.equal((await cvm.get(`/vps/${v.id}/status`)).body.response.status, 'unknown');
    const stop = await cvm.post(`/vps/${v.id}/stop`);
    assert.equal(stop.status, 503);
    assert.match(stop.body.errors[0], /unreachable/);
    assert.equal((await cvm.post(`/vps/${v.id}/restart`)).status, 503);
  } finally {
    await env.rt.core.hosts.clearFaults(fault.id);
  }
  assert.equal((await cvm.post(`/vps/${v.id}/stop`)).status, 200);
  const all = await env.rt.core.hosts.addFault({ kind: 'host_unreachable' });
  try {
    const start = await cvm.post(`/vps/${v.id}/start`);
    assert.equal(start.status, 503);
    assert.ok(start.body.errors[0].length > 0);
  } finally {
    await env.rt.core.hosts.clearFaults(all.id);
  }
  assert.equal((await cvm.post(`/vps/${v.id}/start`)).status, 200);
});

test('suspended and terminated VPSes: shown everywhere, cannot be started through any dialect', async () => {
  const vm = (await deploy(env.cs, c, { name: 'hold1' })).virtualmachine;
  const v = await vpsNamed(cvm, 'hold1');
  await env.rt.core.vmHold.suspend(Number(v.id));
  assert.equal((await cvm.get(`/vps/${v.id}/status`)).body.response.status, 'suspended');
  assert.equal((await env.cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine[0].state, 'Stopped');
  const start = await cvm.post(`/vps/${v.id}/start`);
  assert.equal(start.status, 500);
  assert.match(start.body.errors[0], /suspended/);
  const csStart = await env.cs.call('startVirtualMachine', { id: vm.id });
  assert.equal(csStart.status, 431);
  assert.match(csStart.body.errortext, /suspended/);
  await env.rt.core.vmHold.unsuspend(Number(v.id));
  assert.equal((await cvm.post(`/vps/${v.id}/start`)).status, 200);
  await env.rt.core.vmHold.terminate(Number(v.id));
  assert.equal((await cvm.get(`/vps/${v.id}`)).body.response.status, 'terminated');
  assert.ok(await vpsNamed(cvm, 'hold1'), 'terminated VPSes stay listed');
  assert.equal((await env.cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine[0].state, 'Destroyed');
  assert.equal((await cvm.post(`/vps/${v.id}/start`)).status, 500);
});

test('reinstall rebuilds from a template by id; a bad template is 422', async () => {
  const vm = (await deploy(env.cs, c, { name: 're1' })).virtualmachine;
  const v = await vpsNamed(cvm, 're1');
  const templates = (await cvm.get('/template/list')).body.response.templates;
  const target = templates.find((t: any) => t.name === c.template2.name) ?? templates[0];
  const r = await cvm.post(`/vps/${v.id}/reinstall`, { template: target.id });
  assert.deepEqual([r.status, r.body], [200, { response: {} }]);
  assert.equal((await vpsNamed(cvm, 're1')).template, target.id);
  assert.equal((await env.cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine[0].templatename, target.name);
  assert.equal((await cvm.post(`/vps/${v.id}/reinstall`, { template: '999999' })).status, 422);
  assert.equal((await cvm.post(`/vps/${v.id}/reinstall`, { template: 'x' })).status, 422);
  assert.equal((await cvm.post(`/vps/${v.id}/reinstall`)).status, 422);
});

test("another user's VPS and unknown ids are 404 on every call", async () => {
  await deploy(env.cs, c, { name: 'mine1' });
  const v = await vpsNamed(cvm, 'mine1');
  await env.account('bob');
  const other = await cvmFor(env, 'bob');
  assert.deepEqual((await other.get('/vps/list')).body, { response: { vpses: [] } });
  const NOT_FOUND = { errors: ['The specified VPS ID does not exist or is not accessible to this user.'] };
  for (const r of [
    await other.get(`/vps/${v.id}`),
    await other.get(`/vps/${v.id}/status`),
    await other.post(`/vps/${v.id}/start`),
    await other.post(`/vps/${v.id}/stop`),
    await other.post(`/vps/${v.id}/restart`),
    await other.post(`/vps/${v.id}/reinstall`, { template: '1' }),
    await cvm.get('/vps/987654'),
    await cvm.post('/vps/987654/stop'),
  ])
    assert.deepEqual([r.status, r.body], [404, NOT_FOUND]);
  assert.equal((await cvm.get('/vps/abc')).status, 404);
  assert.equal((await cvm.get(`/vps/${v.id}/status`)).body.response.status, 'running', "the owner's VPS was untouched");
});

async function vmId(name: string): Promise<string> {
  return (await env.rt.store.db.selectFrom('vms').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
}

test('concurrent restarts of one VPS: one succeeds, the others get the busy error (500 with its message), never an internal error', async () => {
  await deploy(env.cs, c, { name: 'crowd1' });
  const v = await vpsNamed(cvm, 'crowd1');
  for (let round = 0; round < 3; round++) {
    const answers = await Promise.all(Array.from({ length: 6 }, () => cvm.post(`/vps/${v.id}/restart`)));
    const ok = answers.filter((a) => a.status === 200);
    const losers = answers.filter((a) => a.status !== 200);
    assert.ok(ok.length >= 1, `round ${round}: one restart succeeds: ${JSON.stringify(answers.map((a) => a.body))}`);
    for (const l of losers) {
      assert.equal(l.status, 500, JSON.stringify(l.body));
      assert.match(
        l.body.errors[0],
        /is busy \((rebooting|starting)\); try again/,
        `round ${round}: the busy error, not "${l.body.errors[0]}"`,
      );
    }
    assert.equal((await cvm.get(`/vps/${v.id}/status`)).body.response.status, 'running');
  }
});
