import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import type { CallContext } from '../../src/lib/context.js';

let env: TestEnv;
let ctx: CallContext;
before(async () => {
  env = await startTestEnv();
  const a = await env.rt.core.accounts.createAccount('maker');
  ctx = { accountId: a.account.id, accountName: 'maker', userId: null, isAdmin: false, requestId: 't', origin: 't' };
});
after(async () => {
  await env.close();
});

test('core.vms.create by size: the first zone unless zoneId names another; vCPUs auto-chosen from the MHz', async () => {
  const zones = await env.rt.core.catalog.listZones();
  assert.ok(zones.length >= 2, 'the seed has two zones');
  const first = await env.rt.core.vms.create(ctx, { name: 'sized-a', size: { cpuMhz: 4000, memoryMb: 1024 } });
  const second = await env.rt.core.vms.create(ctx, { name: 'sized-b', size: {}, zoneId: zones[1]!.id });
  const [a, b] = [
    await env.rt.core.vms.get(ctx, first.receipt.objectId),
    await env.rt.core.vms.get(ctx, second.receipt.objectId),
  ];
  assert.equal(a.zoneId, zones[0]!.id);
  assert.equal(b.zoneId, zones[1]!.id);
  assert.deepEqual([a.cpuCount, a.cpuMhz, a.memoryMb], [2, 2000, 1024]);
  assert.equal(first.password, null);
});

test('core.vms.create by size names Nube fields in its errors', async () => {
  await assert.rejects(
    env.rt.core.vms.create(ctx, { name: 'bad', size: { memoryMb: 1 } }),
    (e: { fields?: Record<string, string[]> }) => 'memoryMb' in (e.fields ?? {}),
  );
  await assert.rejects(
    env.rt.core.vms.create(ctx, { name: 'bad', size: { cpuMhz: 1000, cpuCount: 99 } }),
    (e: { fields?: Record<string, string[]> }) => 'cpuCount' in (e.fields ?? {}),
  );
});
