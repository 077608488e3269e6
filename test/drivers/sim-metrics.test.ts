/** The sim driver's counters: a list's batched read matches the per-VM read, and a running VM's traffic grows as metering reads it. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { catalog, deploy } from '../dialects/cloudstack/vm-fixtures.js';

let env: TestEnv;
before(async () => {
  env = await startTestEnv();
});
after(async () => {
  await env?.close();
});

test('metricsOf answers what metrics answers for each VM; metering adds traffic once the counters move', async () => {
  const c = await catalog(env.cs);
  const vm = (await deploy(env.cs, c, { name: 'metered' })).virtualmachine;
  const driver = env.rt.driver!;
  const one = await driver.metrics(vm.id);
  const many = await driver.metricsOf!([vm.id, '00000000-0000-0000-0000-000000000000']);
  assert.deepEqual(many.get(vm.id), one);
  assert.equal(many.get('00000000-0000-0000-0000-000000000000')?.uptimeSec, 0);

  const meter = () => env.rt.core.traffic.meter([{ id: vm.id, state: 'running', hostId: vm.hostid }]);
  const first = (await meter()).get(vm.id)!;
  await new Promise((r) => setTimeout(r, 2100));
  const later = (await meter()).get(vm.id)!;
  assert.ok(later.inUsed > first.inUsed, `in bytes grew: ${first.inUsed} → ${later.inUsed}`);
  assert.ok(later.outUsed > first.outUsed, `out bytes grew: ${first.outUsed} → ${later.outUsed}`);
  assert.ok(
    (await meter()).get(vm.id)!.inUsed >= later.inUsed,
    'a second reading in the same second adds nothing back',
  );
});
