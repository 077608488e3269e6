import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';

let env: TestEnv;
let adminAuth: string;
before(async () => {
  env = await startTestEnv();
  const a = await env.rt.core.accounts.createAccount('ops', { admin: true, password: 'ops-password' });
  adminAuth = 'Basic ' + Buffer.from(`${a.user.email}:ops-password`).toString('base64');
});
after(async () => {
  await env.close();
});

async function deployArgs() {
  const zone = (await env.cs.ok('listZones')).zone[0];
  const offering = (await env.cs.ok('listServiceOfferings', { name: 'Tiny' })).serviceoffering[0];
  const template = (await env.cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  return { zoneid: zone.id, serviceofferingid: offering.id, templateid: template.id };
}

test('healthz and readyz answer 200 when up; metrics are exposed', async () => {
  assert.equal((await env.app.inject({ url: '/healthz' })).statusCode, 200);
  assert.equal((await env.app.inject({ url: '/readyz' })).statusCode, 200);
  const m = await env.app.inject({ url: '/metrics' });
  assert.match(m.body, /nube_http_requests_total/);
});

test('the admin endpoint refuses non-admins and anonymous callers', async () => {
  assert.equal((await env.app.inject({ url: '/admin/sim/faults' })).statusCode, 401);
  const bob = await env.rt.core.accounts.createAccount('bobuser', { password: 'pw-bob-123' });
  const auth = 'Basic ' + Buffer.from(`${bob.user.email}:pw-bob-123`).toString('base64');
  assert.equal((await env.app.inject({ url: '/admin/sim/faults', headers: { authorization: auth } })).statusCode, 401);
});

test('fail_next_start injected over HTTP makes the next deploy job fail and leaves nothing behind', async () => {
  const r = await env.app.inject({
    method: 'POST',
    url: '/admin/sim/faults',
    headers: { authorization: adminAuth },
    payload: { kind: 'fail_next_start' },
  });
  assert.equal(r.statusCode, 201);
  const j = await env.cs.job('deployVirtualMachine', { ...(await deployArgs()), name: 'doomed' });
  assert.equal(j.jobstatus, 2);
  assert.equal(j.jobresultcode, 530);
  assert.match(j.jobresult.errortext, /Simulated fault/);
  assert.equal((await env.cs.ok('listVirtualMachines', { name: 'doomed' })).count, 0);
  const leases = await env.rt.store.db.selectFrom('ip_leases').selectAll().execute();
  const vms = await env.rt.store.db.selectFrom('vms').select('id').where('removed_at', 'is', null).execute();
  assert.equal(leases.length, vms.length, 'the failed VM holds no address');
  const ok = await env.cs.done('deployVirtualMachine', { ...(await deployArgs()), name: 'fine' });
  assert.equal(ok.virtualmachine.state, 'Running', 'the fault is consumed once');
});

test('an unreachable host makes starts on it fail with Unavailable, and clearing the fault heals it', async () => {
  const vm = (await env.cs.done('deployVirtualMachine', { ...(await deployArgs()), name: 'island' })).virtualmachine;
  await env.cs.done('stopVirtualMachine', { id: vm.id });
  const hosts = (await env.app.inject({ url: '/admin/hosts', headers: { authorization: adminAuth } })).json()
    .hosts as Array<{ id: string }>;
  for (const h of hosts) {
    await env.app.inject({
      method: 'POST',
      url: '/admin/sim/faults',
      headers: { authorization: adminAuth },
      payload: { kind: 'host_unreachable', host_id: h.id },
    });
  }
  const j = await env.cs.job('startVirtualMachine', { id: vm.id });
  assert.equal(j.jobstatus, 2);
  assert.match(j.jobresult.errortext, /reachable/i);
  assert.equal((await env.cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine[0].state, 'Stopped');
  const del = await env.app.inject({
    method: 'DELETE',
    url: '/admin/sim/faults',
    headers: { authorization: adminAuth },
  });
  assert.ok(del.json().removed >= hosts.length);
  assert.equal((await env.cs.done('startVirtualMachine', { id: vm.id })).virtualmachine.state, 'Running');
});

test('latency faults delay driver operations', async () => {
  await env.app.inject({
    method: 'POST',
    url: '/admin/sim/faults',
    headers: { authorization: adminAuth },
    payload: { kind: 'latency', value: 300 },
  });
  const t0 = Date.now();
  await env.cs.done('deployVirtualMachine', { ...(await deployArgs()), name: 'slowpoke' });
  assert.ok(Date.now() - t0 >= 300, 'the deploy took at least the injected latency');
  await env.app.inject({ method: 'DELETE', url: '/admin/sim/faults', headers: { authorization: adminAuth } });
});

test('bad fault requests get a 400 with a message', async () => {
  const r = await env.app.inject({
    method: 'POST',
    url: '/admin/sim/faults',
    headers: { authorization: adminAuth },
    payload: { kind: 'meteor' },
  });
  assert.equal(r.statusCode, 400);
  assert.match(r.json().error, /kind must be one of/);
});

test('fault value and count must be whole numbers in range: anything else is a 400 naming the field, never a 500', async () => {
  const post = (payload: Record<string, unknown>) =>
    env.app.inject({ method: 'POST', url: '/admin/sim/faults', headers: { authorization: adminAuth }, payload });
  for (const [payload, field] of [
    [{ kind: 'fail_next_start', count: 'abc' }, 'count'],
    [{ kind: 'fail_next_start', count: 1.5 }, 'count'],
    [{ kind: 'fail_next_start', count: '1e3' }, 'count'],
    [{ kind: 'fail_next_start', count: 0 }, 'count'],
    [{ kind: 'fail_next_start', count: -2 }, 'count'],
    [{ kind: 'fail_next_start', count: { n: 1 } }, 'count'],
    [{ kind: 'latency', value: 'slow' }, 'value'],
    [{ kind: 'latency', value: -5 }, 'value'],
    [{ kind: 'latency', value: 10 ** 12 }, 'value'],
  ] as const) {
    const r = await post(payload);
    assert.equal(r.statusCode, 400, `${JSON.stringify(payload)}: ${r.body}`);
    assert.ok(r.json().fields[field], `${JSON.stringify(payload)} names ${field}: ${r.body}`);
  }
  assert.equal(
    (await env.app.inject({ url: '/admin/sim/faults', headers: { authorization: adminAuth } })).json().faults.length,
    0,
    'nothing was stored',
  );
  const ok = await post({ kind: 'fail_next_start', count: '2' });
  assert.equal(ok.statusCode, 201);
  assert.equal(ok.json().fault.remaining, 2);
  await env.app.inject({ method: 'DELETE', url: '/admin/sim/faults', headers: { authorization: adminAuth } });
});
