import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { HostService } from '../../src/core/hosts/service.js';
import { CoreError } from '../../src/lib/errors.js';
import type { ComputeDriver } from '../../src/drivers/compute/driver.js';

let env: TestEnv;
before(async () => {
  env = await startTestEnv();
});
after(async () => {
  await env.close();
});

/** A driver that offers no fault injection, as qemu does not. */
const withoutFaults = { name: 'qemu' } as ComputeDriver;

test('faults go through the driver: the sim driver keeps what the core adds and clears', async () => {
  const fault = await env.rt.core.hosts.addFault({ kind: 'latency', value: 5 });
  assert.deepEqual(
    (await env.rt.driver.faults!.list()).map((f) => f.id),
    [fault.id],
  );
  assert.equal(await env.rt.core.hosts.clearFaults(), 1);
  assert.deepEqual(await env.rt.driver.faults!.list(), []);
});

test('a driver without fault injection: adding, listing and clearing faults is a Conflict that names the driver', async () => {
  const hosts = new HostService({ ...env.rt.core.deps, driver: withoutFaults });
  for (const call of [
    () => hosts.addFault({ kind: 'fail_next_start' }),
    () => hosts.listFaults(),
    () => hosts.clearFaults(),
  ]) {
    await assert.rejects(call(), (err: unknown) => {
      assert.ok(err instanceof CoreError);
      assert.equal(err.kind, 'Conflict');
      assert.match(err.message, /qemu driver has no fault injection/);
      return true;
    });
  }
  assert.deepEqual(await env.rt.core.hosts.listFaults(), [], 'nothing was stored');
});
