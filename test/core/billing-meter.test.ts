/** The billing meter over many VMs: traffic counters, volumes and last logged states are read in slices, and nothing is missed. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { catalog, type Catalog } from '../dialects/cloudstack/vm-fixtures.js';
import { accountContext } from '../support/receipts.js';
import { PERIOD_MS } from '../../src/core/billing/meter.js';
import { peakUseByAccount } from '../../src/core/billing/history.js';
import { diskByAccount } from '../../src/core/billing/usage.js';

let env: TestEnv;
let c: Catalog;
before(async () => {
  env = await startTestEnv({ NUBE_DEFAULT_LIMITS: 'off' });
  c = await catalog(env.cs);
});
after(async () => {
  await env.close();
});

test('a metering run saves the traffic counters of every running VM and sees the peak of all of them, over several slices', async () => {
  await env.account('metered');
  const ctx = await accountContext(env, 'metered', 'test:meter');
  // More VMs than one slice of the traffic refresh (50) and of the peak reads (500), twice over.
  const n = 1010;
  const began = new Date(Date.now() - 1000).toISOString();
  const made = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      env.rt.core.vms.create(ctx, {
        zoneId: c.zone.id,
        offeringId: c.micro.id,
        templateId: c.template.id,
        name: `m-${i}`,
      }),
    ),
  );
  for (const m of made) assert.equal((await env.rt.engine.wait(m.receipt.taskId, 30_000))?.status, 'SUCCESS');
  await new Promise((res) => setTimeout(res, 1100)); // the simulated counters grow with each second of uptime
  const periods = await env.rt.core.billing.meterDue(new Date(Date.now() + PERIOD_MS));
  assert.ok(periods >= 1, 'a period was metered');
  const saved = await env.rt.store.db
    .selectFrom('vm_traffic as t')
    .innerJoin('vms as v', 'v.id', 't.vm_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('v.account_id', '=', ctx.accountId)
    .executeTakeFirstOrThrow();
  assert.equal(Number(saved.n), n);
  // The transfer meter summed every VM's counters (more than one slice of them) into the account's running total.
  const counters = await env.rt.store.db
    .selectFrom('vm_traffic as t')
    .innerJoin('vms as v', 'v.id', 't.vm_id')
    .select(['t.in_used', 't.out_used'])
    .where('v.account_id', '=', ctx.accountId)
    .execute();
  const state = await env.rt.store.db
    .selectFrom('meta')
    .select('value')
    .where('key', '=', `billing_xfer:${ctx.accountId}`)
    .executeTakeFirstOrThrow();
  const sum = counters.reduce((s, r) => s + Number(r.in_used) + Number(r.out_used), 0);
  assert.ok(sum > 0, 'the VMs have traffic');
  assert.equal((JSON.parse(state.value) as { total: number }).total, sum);

  // One account's use matches the sum of its rows; the meter's disk read (in slices) agrees.
  const vms = await env.rt.store.db
    .selectFrom('vms')
    .select(['cpu_number', 'cpu_speed', 'memory'])
    .where('account_id', '=', ctx.accountId)
    .execute();
  const bytes = await env.rt.store.db
    .selectFrom('volumes')
    .select('size')
    .where('account_id', '=', ctx.accountId)
    .where('removed_at', 'is', null)
    .execute();
  const use = await env.rt.core.billing.usage(ctx);
  assert.equal(
    use.cpu,
    vms.reduce((s, v) => s + Number(v.cpu_number) * Number(v.cpu_speed), 0),
  );
  assert.equal(
    use.mem,
    vms.reduce((s, v) => s + Number(v.memory), 0),
  );
  assert.equal(use.disk, Math.ceil(bytes.reduce((s, b) => s + Number(b.size), 0) / 1024 ** 3));
  assert.ok(use.cpu > 0 && use.disk > 0);
  assert.equal(bytes.length, n, 'one root volume per VM: more than one slice of the disk read');
  assert.equal((await diskByAccount(env.rt.store.db)).get(ctx.accountId), use.disk);
  const at = new Date(Date.now() + 1000).toISOString();
  const peaks = await peakUseByAccount(env.rt.store.db, at, new Date(Date.parse(at) + 1000).toISOString());
  assert.deepEqual(peaks.get(ctx.accountId), { cpu: use.cpu, mem: use.mem });

  // Every VM was made within [began, at): their logged changes (many sharing an instant, written by one batch) are
  // replayed a slice at a time, and none is missed.
  assert.deepEqual((await peakUseByAccount(env.rt.store.db, began, at)).get(ctx.accountId), {
    cpu: use.cpu,
    mem: use.mem,
  });
});
