import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { catalog, type Catalog } from '../dialects/cloudstack/vm-fixtures.js';
import { accountContext } from '../support/receipts.js';
import { until } from '../support/until.js';
import type { CallContext } from '../../src/lib/context.js';
import type { VmCreateInput } from '../../src/core/vms/create-input.js';
import { CoreError } from '../../src/lib/errors.js';
import { macFromNumber } from '../../src/lib/mac.js';
import { intToIpv4, ipv4ToInt } from '../../src/core/net/ip.js';

let env: TestEnv;
let c: Catalog;
before(async () => {
  // No default limits: a bounded quota would lock the account row and so serialize one account's creates.
  env = await startTestEnv({ NUBE_DEFAULT_LIMITS: 'off' });
  c = await catalog(env.cs);
});
after(async () => {
  await env.close();
});

/** A fresh account's context. */
async function accountCtx(name: string): Promise<CallContext> {
  await env.account(name);
  return accountContext(env, name, 'test:batch');
}

/** Starts every create in the same turn (as concurrent requests do) and settles them all. */
function burst(ctx: CallContext, inputs: Array<Partial<VmCreateInput>>) {
  return Promise.allSettled(
    inputs.map((i) =>
      env.rt.core.vms.create(ctx, { zoneId: c.zone.id, offeringId: c.micro.id, templateId: c.template.id, ...i }),
    ),
  );
}

function reasonOf(r: PromiseSettledResult<unknown>): string {
  if (r.status === 'fulfilled') return 'ok';
  assert.ok(r.reason instanceof CoreError, String(r.reason));
  return `${r.reason.kind}/${r.reason.reason}`;
}

test('creates made together are written together (a burst larger than one batch in several), each VM whole: serial, ROOT volume, address, MAC, default group, Running', async () => {
  const ctx = await accountCtx('batcher');
  const n = 70;
  const hostsBefore = await env.rt.store.db.selectFrom('hosts').select(['id', 'vm_count']).execute();
  const results = await burst(
    ctx,
    Array.from({ length: n }, (_, i) => ({ name: `b-${i}` })),
  );
  const created = results.map((r) => {
    assert.equal(r.status, 'fulfilled', r.status === 'rejected' ? String(r.reason) : '');
    return (r as PromiseFulfilledResult<Awaited<ReturnType<typeof env.rt.core.vms.create>>>).value;
  });
  const db = env.rt.store.db;
  const vms = await db
    .selectFrom('vms')
    .select(['id', 'name', 'serial', 'created_at'])
    .where('account_id', '=', ctx.accountId)
    .execute();
  assert.equal(vms.length, n);
  assert.ok(new Set(vms.map((v) => v.created_at)).size < n, 'some creates shared one transaction');
  assert.equal(new Set(vms.map((v) => Number(v.serial))).size, n, 'serials are distinct');
  const ids = vms.map((v) => v.id);
  const vols = await db.selectFrom('volumes').select(['vm_id', 'name', 'type']).where('vm_id', 'in', ids).execute();
  const nics = await db
    .selectFrom('nics')
    .select(['vm_id', 'ip_address', 'mac_address', 'is_default'])
    .where('vm_id', 'in', ids)
    .execute();
  const groups = await db
    .selectFrom('vm_security_groups as l')
    .innerJoin('security_groups as g', 'g.id', 'l.group_id')
    .select(['l.vm_id', 'g.name', 'g.account_id'])
    .where('l.vm_id', 'in', ids)
    .execute();
  for (const vm of vms) {
    const serial = Number(vm.serial);
    assert.deepEqual(
      vols.filter((v) => v.vm_id === vm.id).map((v) => [v.name, v.type]),
      [[`ROOT-${serial}`, 'ROOT']],
    );
    const mine = nics.filter((x) => x.vm_id === vm.id);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.mac_address, macFromNumber(serial * 16));
    assert.equal(Number(mine[0]!.is_default), 1);
    assert.deepEqual(
      groups.filter((g) => g.vm_id === vm.id).map((g) => [g.name, g.account_id]),
      [['default', ctx.accountId]],
    );
  }
  assert.equal(new Set(nics.map((x) => x.ip_address)).size, n, 'addresses are distinct');
  for (const r of created) {
    const t = await env.rt.core.deps.tasks.wait(r.receipt.taskId, 20_000);
    assert.equal(t?.status, 'SUCCESS', t?.error ?? 'not finished');
  }
  const views = await Promise.all(created.map((r) => env.rt.core.vms.get(ctx, r.receipt.objectId)));
  assert.ok(
    views.every((v) => v.state === 'running'),
    views.map((v) => v.state).join(),
  );
  const shown = await env.rt.core.quotas.show('batcher');
  assert.equal(shown.limits.vms.used, n);
  // The engine places a claimed batch in chunks (SQLite): every host's count grew by exactly the VMs placed on it.
  const placed = await db.selectFrom('vms').select('host_id').where('id', 'in', ids).execute();
  assert.ok(
    placed.every((v) => v.host_id),
    'every VM has a host',
  );
  const hostsAfter = await db.selectFrom('hosts').select(['id', 'vm_count']).execute();
  for (const h of hostsAfter) {
    const before = Number(hostsBefore.find((b) => b.id === h.id)?.vm_count ?? 0);
    assert.equal(Number(h.vm_count) - before, placed.filter((v) => v.host_id === h.id).length, `host ${h.id}`);
  }
});

test('creates naming security groups, affinity groups and networks by id are written together, each with what it named', async () => {
  const cs = await env.account('batch-links');
  const ctx = await accountContext(env, 'batch-links', 'test:batch');
  const web = (await cs.ok('createSecurityGroup', { name: 'web' })).securitygroup;
  const spread = (await cs.job('createAffinityGroup', { name: 'spread', type: 'host anti-affinity' })).jobresult
    .affinitygroup;
  const net = (
    await cs.ok('createNetwork', {
      zoneid: c.zone.id,
      name: 'batch-net',
      displaytext: 'batch-net',
      startip: '10.7.0.10',
      endip: '10.7.0.100',
      netmask: '255.255.255.0',
    })
  ).network;
  const n = 12;
  const results = await burst(
    ctx,
    Array.from({ length: n }, (_, i) => ({
      name: `l-${i}`,
      securityGroupIds: [web.id],
      networkIds: [net.id],
      ...(i < 2 ? { affinityGroupIds: [spread.id] } : {}),
    })),
  );
  assert.deepEqual(results.map(reasonOf), Array(n).fill('ok'));
  const db = env.rt.store.db;
  const vms = await db
    .selectFrom('vms')
    .select(['id', 'name', 'created_at'])
    .where('account_id', '=', ctx.accountId)
    .execute();
  assert.ok(new Set(vms.map((v) => v.created_at)).size < n, 'some creates shared one transaction');
  const ids = vms.map((v) => v.id);
  const groups = await db.selectFrom('vm_security_groups').selectAll().where('vm_id', 'in', ids).execute();
  assert.deepEqual(
    groups.map((g) => g.group_id),
    Array(n).fill(web.id),
    'each VM is in the group it named, not in default',
  );
  const affine = await db.selectFrom('vm_affinity_groups').selectAll().where('vm_id', 'in', ids).execute();
  assert.deepEqual(affine.map((a) => vms.find((v) => v.id === a.vm_id)!.name).sort(), ['l-0', 'l-1']);
  const nics = await db.selectFrom('nics').selectAll().where('vm_id', 'in', ids).execute();
  assert.equal(nics.length, 2 * n, 'the guest NIC and one on the named network');
  const onNet = nics.filter((x) => x.network_id === net.id);
  assert.ok(onNet.every((x) => x.device_id === 1 && x.is_default === 0));
  assert.equal(new Set(onNet.map((x) => x.ip_address)).size, n, 'distinct addresses on the named network');
  assert.equal(new Set(nics.map((x) => x.mac_address)).size, 2 * n, 'distinct MACs');
  await until('every VM of the burst is Running', async () => {
    const states = await db.selectFrom('vms').select('state').where('id', 'in', ids).execute();
    return states.every((s) => s.state === 'running');
  });
  const unknown = '00000000-0000-4000-8000-000000000000';
  const mixed = await burst(ctx, [
    { name: 'm-bad', securityGroupIds: [unknown] },
    { name: 'm-net', networkIds: [unknown] },
    { name: 'm-ok', securityGroupIds: [web.id] },
  ]);
  assert.deepEqual(mixed.map(reasonOf), ['Invalid/bad_input', 'Invalid/bad_input', 'ok']);
  const names = await db.selectFrom('vms').select('name').where('account_id', '=', ctx.accountId).execute();
  assert.equal(names.length, n + 1, 'the creates naming an unknown group or network made nothing');
});

test('in one burst each create gets its own answer: a taken name, a name twice, a missing key pair; the rest are made', async () => {
  const ctx = await accountCtx('mixed');
  await burst(ctx, [{ name: 'taken' }]);
  const results = await burst(ctx, [
    { name: 'ok-1' },
    { name: 'taken' },
    { name: 'twin' },
    { name: 'twin' },
    { name: 'keyless', sshKeyName: 'no-such-key' },
    { name: 'ok-2' },
  ]);
  const reasons = results.map(reasonOf);
  assert.deepEqual(
    [reasons[0], reasons[1], reasons[4], reasons[5]],
    ['ok', 'Conflict/exists', 'Invalid/bad_input', 'ok'],
  );
  assert.deepEqual([reasons[2], reasons[3]].sort(), ['Conflict/exists', 'ok'], 'one of the twins is made');
  const names = await env.rt.store.db
    .selectFrom('vms')
    .select('name')
    .where('account_id', '=', ctx.accountId)
    .orderBy('name')
    .execute();
  assert.deepEqual(
    names.map((r) => r.name),
    ['ok-1', 'ok-2', 'taken', 'twin'],
  );
});

test('a burst past the account limit makes exactly as many VMs as the limit allows; the others are refused', async () => {
  const ctx = await accountCtx('capped');
  await env.rt.core.quotas.set('capped', { vms: 5 });
  const results = await burst(
    ctx,
    Array.from({ length: 8 }, () => ({})),
  );
  const reasons = results.map(reasonOf);
  assert.equal(reasons.filter((r) => r === 'ok').length, 5, reasons.join());
  assert.equal(reasons.filter((r) => r !== 'ok').length, 3);
  assert.ok(results.every((r) => r.status === 'fulfilled' || /Limit exceeded/.test(String(r.reason.message))));
  assert.equal((await env.rt.core.quotas.show('capped')).limits.vms.used, 5);
});

test('addresses another process took after this one leased are skipped: every VM of a burst gets a free, distinct address', async () => {
  const ctx = await accountCtx('leaser');
  const first = await burst(ctx, [{ name: 'l-0' }]);
  assert.equal(first[0]!.status, 'fulfilled');
  const db = env.rt.store.db;
  const nic = await db
    .selectFrom('nics')
    .select(['network_id', 'ip_address'])
    .where('vm_id', '=', (first[0] as PromiseFulfilledResult<{ receipt: { objectId: string } }>).value.receipt.objectId)
    .executeTakeFirstOrThrow();
  const top = await db
    .selectFrom('ip_leases')
    .select((eb) => eb.fn.max('address').as('top'))
    .where('network_id', '=', nic.network_id)
    .executeTakeFirstOrThrow();
  const stolen = [Number(top.top) + 1, Number(top.top) + 2, Number(top.top) + 4];
  await db
    .insertInto('ip_leases')
    .values(stolen.map((address) => ({ network_id: nic.network_id, address, owner_id: `other-${address}` })))
    .execute();
  const results = await burst(
    ctx,
    Array.from({ length: 5 }, (_, i) => ({ name: `l-${i + 1}` })),
  );
  assert.deepEqual(results.map(reasonOf), ['ok', 'ok', 'ok', 'ok', 'ok']);
  const got = await db
    .selectFrom('nics as n')
    .innerJoin('vms as v', 'v.id', 'n.vm_id')
    .select('n.ip_address')
    .where('v.account_id', '=', ctx.accountId)
    .execute();
  const addresses = got.map((g) => g.ip_address!);
  assert.equal(new Set(addresses).size, 6);
  for (const s of stolen) assert.ok(!addresses.includes(intToIpv4(s)), `${intToIpv4(s)} was another owner's`);
  const owners = await db
    .selectFrom('ip_leases')
    .select(['address', 'owner_id'])
    .where('network_id', '=', nic.network_id)
    .where(
      'address',
      'in',
      addresses.map((a) => ipv4ToInt(a)),
    )
    .execute();
  assert.equal(owners.length, 6, 'each address is leased once');
});

test('a start fault in a batch fails only the VM it hits: the others run, the failed one keeps no domain', async () => {
  const ctx = await accountCtx('faulted');
  await env.rt.core.hosts.addFault({ kind: 'fail_next_start' });
  const results = await burst(
    ctx,
    Array.from({ length: 6 }, (_, i) => ({ name: `f-${i}` })),
  );
  const created = results.map((r) => {
    assert.equal(r.status, 'fulfilled');
    return (r as PromiseFulfilledResult<{ receipt: { taskId: string; objectId: string } }>).value.receipt;
  });
  const outcomes = await Promise.all(created.map((r) => env.rt.core.deps.tasks.wait(r.taskId, 20_000)));
  const failed = created.filter((_, i) => outcomes[i]?.status === 'FAILURE');
  assert.equal(failed.length, 1, outcomes.map((o) => o?.status).join());
  assert.equal(outcomes.filter((o) => o?.status === 'SUCCESS').length, 5);
  assert.match(outcomes.find((o) => o?.status === 'FAILURE')!.error ?? '', /Simulated fault/);
  const domains = await env.rt.store.db
    .selectFrom('sim_domains')
    .select(['vm_id', 'power'])
    .where(
      'vm_id',
      'in',
      created.map((r) => r.objectId),
    )
    .execute();
  assert.equal(domains.length, 5);
  assert.ok(domains.every((d) => d.power === 'running'));
  assert.ok(!domains.some((d) => d.vm_id === failed[0]!.objectId));
});

test('creates of one name in concurrent transactions (batched or alone) make one VM; the others are told the name is taken', async () => {
  const ctx = await accountCtx('racer');
  for (let round = 0; round < 5; round++) {
    const name = `race-${round}`;
    const alone = { name, securityGroupNames: ['default'] };
    const results = await burst(ctx, [alone, alone, alone, alone, { name }, alone, alone, alone, { name }]);
    const reasons = results.map(reasonOf);
    assert.equal(reasons.filter((r) => r === 'ok').length, 1, reasons.join());
    assert.ok(
      reasons.every((r) => r === 'ok' || r === 'Conflict/exists'),
      reasons.join(),
    );
  }
  const made = await env.rt.store.db
    .selectFrom('vms')
    .select('name')
    .where('account_id', '=', ctx.accountId)
    .where('removed_at', 'is', null)
    .execute();
  assert.equal(made.length, 5);
});

test('VM, root volume and NIC ids are time-ordered UUIDs: sorted by id, VMs made one after another come in the order they were made', async () => {
  const ctx = await accountCtx('ordered-ids');
  const made: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await env.rt.core.vms.create(ctx, {
      zoneId: c.zone.id,
      offeringId: c.micro.id,
      templateId: c.template.id,
      name: `ordered-${i}`,
    });
    made.push(r.receipt.objectId);
    await new Promise((res) => setTimeout(res, 2));
  }
  const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  for (const id of made) assert.match(id, v7);
  assert.deepEqual([...made].sort(), made, 'ids sort in creation order');
  const db = env.rt.store.db;
  const vols = await db.selectFrom('volumes').select(['id', 'vm_id']).where('vm_id', 'in', made).execute();
  const nics = await db.selectFrom('nics').select(['id', 'vm_id']).where('vm_id', 'in', made).execute();
  for (const row of [...vols, ...nics]) assert.match(row.id, v7);
  const byVm = (rows: Array<{ id: string; vm_id: string | null }>) =>
    made.map((vm) => rows.find((r) => r.vm_id === vm)!.id);
  assert.deepEqual([...byVm(vols)].sort(), byVm(vols), 'root volume ids sort in creation order');
  assert.deepEqual([...byVm(nics)].sort(), byVm(nics), 'NIC ids sort in creation order');
});
