import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { CsClient } from '../../support/cs-client.js';
import { until } from '../../support/until.js';
import { addKeyPair, catalog, deploy, type Catalog } from './vm-fixtures.js';

let env: TestEnv;
let cat: Catalog;
before(async () => {
  // Enough hosts per zone for an anti-affinity group of 8.
  env = await startTestEnv({ NUBE_SIM_HOSTS: '10' });
  cat = await catalog(env.cs);
});
after(async () => {
  await env.close();
});

/** Creates a Micro pool in the first zone and returns the answer. */
async function createPool(cs: CsClient, params: Record<string, string | number | undefined> = {}): Promise<any> {
  return cs.ok('createInstancePool', {
    name: 'web',
    zoneid: cat.zone.id,
    serviceofferingid: cat.micro.id,
    templateid: cat.template.id,
    size: 2,
    ...params,
  });
}

/** Waits until the pool is running with `size` Running members and returns it as getInstancePool shows it. */
async function settled(cs: CsClient, id: string, size: number): Promise<any> {
  return until(`pool ${id} running with ${size} members`, async () => {
    const p = (await cs.ok('getInstancePool', { id, zoneid: cat.zone.id })).instancepool[0];
    const running = p.virtualmachines.filter((vm: any) => vm.state === 'Running').length;
    return p.state === 'running' && p.virtualmachines.length === size && running === size && p;
  });
}

/** The account's live VM ids as listVirtualMachines shows them. */
async function liveVms(cs: CsClient): Promise<string[]> {
  const all = await cs.ok('listVirtualMachines', {});
  return (all.virtualmachine ?? []).map((vm: any) => vm.id).sort();
}

test('createInstancePool answers the pool in state creating, then keeps `size` running members visible as VMs', async () => {
  const cs = await env.account('pc-create');
  await addKeyPair(env, 'pc-create', 'pool-key');
  const created = await createPool(cs, {
    description: 'my instance pool',
    size: 3,
    rootdisksize: 20,
    keypair: 'pool-key',
    userdata: Buffer.from('#cloud-config\n').toString('base64'),
  });
  assert.match(created.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(
    [created.name, created.description, created.size, created.state, created.rootdisksize, created.ipv6],
    ['web', 'my instance pool', 3, 'creating', 20, false],
  );
  assert.deepEqual(
    [created.serviceofferingid, created.templateid, created.zoneid, created.keypair],
    [cat.micro.id, cat.template.id, cat.zone.id, 'pool-key'],
  );
  const pool = await settled(cs, created.id, 3);
  for (const vm of pool.virtualmachines) {
    assert.match(vm.name, new RegExp(`^pool-${created.id.slice(0, 5)}-[a-z0-9]{5}$`));
    assert.equal(vm.keypair, 'pool-key');
    assert.equal(vm.serviceofferingid, cat.micro.id);
  }
  assert.deepEqual(await liveVms(cs), pool.virtualmachines.map((vm: any) => vm.id).sort(), 'members are ordinary VMs');
  const listed = await cs.ok('listInstancePools', { zoneid: cat.zone.id });
  assert.equal(listed.count, 1);
  assert.equal(listed.instancepool[0].id, created.id);
  assert.equal(listed.instancepool[0].virtualmachines.length, 3);
  assert.equal((await cs.ok('listInstancePools', { zoneid: cat.zone2.id })).count, 0, 'another zone lists none');
});

test('scaleInstancePool up and down reaches exactly the new size', async () => {
  const cs = await env.account('pc-scale');
  const { id } = await createPool(cs, { size: 1 });
  await settled(cs, id, 1);
  assert.deepEqual(await cs.ok('scaleInstancePool', { id, zoneid: cat.zone.id, size: 4 }), { success: true });
  const up = await settled(cs, id, 4);
  assert.equal((await liveVms(cs)).length, 4);
  await cs.ok('scaleInstancePool', { id, size: 2 });
  const down = await settled(cs, id, 2);
  await until('the removed members are destroyed', async () => (await liveVms(cs)).length === 2);
  const kept = down.virtualmachines.map((vm: any) => vm.id);
  assert.ok(
    kept.every((vmId: string) => up.virtualmachines.some((vm: any) => vm.id === vmId)),
    'scale-down keeps members',
  );
  assert.deepEqual(await liveVms(cs), [...kept].sort());
});

test('a member destroyed behind the pool is replaced, through CloudStack or another dialect', async () => {
  const made = await env.rt.core.accounts.createAccount('pc-heal');
  const keys = made.credentials['api-key-pair'];
  const cs = new CsClient(env.app, keys.key, keys.secret);
  const { id } = await createPool(cs, { size: 2 });
  const before = await settled(cs, id, 2);
  const victim = before.virtualmachines[0].id;
  await cs.done('destroyVirtualMachine', { id: victim });
  const healed = await until('a replacement member', async () => {
    const p = await settled(cs, id, 2);
    return !p.virtualmachines.some((vm: any) => vm.id === victim) && p;
  });
  assert.equal(healed.virtualmachines.length, 2);
  // The REST dialect (DanubeData) deletes the other member as a VPS.
  const second = healed.virtualmachines[1].id;
  const del = await env.app.inject({
    method: 'DELETE',
    url: `/api/v1/vps/${second}`,
    headers: { authorization: `Bearer ${made.credentials['api-token'].token}`, accept: 'application/json' },
  });
  assert.equal(del.statusCode, 200, del.body);
  const again = await until('a second replacement', async () => {
    const p = await settled(cs, id, 2);
    return !p.virtualmachines.some((vm: any) => vm.id === second) && p;
  });
  assert.equal(again.virtualmachines.length, 2);
  assert.deepEqual(await liveVms(cs), again.virtualmachines.map((vm: any) => vm.id).sort());
});

test('anti-affinity groups hold at most 8 instances: create, scale and update refuse larger pools', async () => {
  const cs = await env.account('pc-aag');
  const group = (await cs.ok('createAntiAffinityGroup', { name: 'spread' })).affinitygroup;
  const refused = await cs.call('createInstancePool', {
    name: 'big',
    zoneid: cat.zone.id,
    serviceofferingid: cat.micro.id,
    templateid: cat.template.id,
    size: 9,
    affinitygroupids: group.id,
  });
  assert.equal(refused.status, 431);
  assert.match(refused.body.errortext, /Anti-affinity group spread holds at most 8 instances/);
  await deploy(cs, cat, { affinitygroupids: group.id });
  const { id } = await createPool(cs, { size: 2, affinitygroupids: group.id });
  const pool = await settled(cs, id, 2);
  assert.deepEqual(pool.affinitygroupids, [group.id]);
  const scaled = await cs.call('scaleInstancePool', { id, size: 8 });
  assert.equal(scaled.status, 431);
  assert.match(scaled.body.errortext, /already has 1 other member\(s\).*at most 7 instance\(s\), not 8/);
  await cs.ok('scaleInstancePool', { id, size: 7 });
  const full = await settled(cs, id, 7);
  const hosts = new Set(full.virtualmachines.map((vm: any) => vm.hostid));
  assert.equal(hosts.size, 7, 'members of the group are on distinct hosts');
  const other = (await cs.ok('createAntiAffinityGroup', { name: 'crowded' })).affinitygroup;
  await deploy(cs, cat, { affinitygroupids: other.id });
  await deploy(cs, cat, { affinitygroupids: other.id });
  const updated = await cs.call('updateInstancePool', { id, affinitygroupids: other.id });
  assert.equal(updated.status, 431);
  assert.match(updated.body.errortext, /Anti-affinity group crowded holds at most 8 instances/);
  assert.equal((await cs.ok('getInstancePool', { id })).instancepool[0].affinitygroupids[0], group.id, 'unchanged');
});

test('updateInstancePool changes the pool; members deployed afterwards use the new template', async () => {
  const cs = await env.account('pc-update');
  const { id } = await createPool(cs, { size: 1 });
  await settled(cs, id, 1);
  assert.deepEqual(
    await cs.ok('updateInstancePool', {
      id,
      zoneid: cat.zone.id,
      name: 'renamed',
      description: 'new text',
      templateid: cat.template2.id,
    }),
    { success: true },
  );
  await cs.ok('scaleInstancePool', { id, size: 2 });
  const pool = await settled(cs, id, 2);
  assert.deepEqual([pool.name, pool.description, pool.templateid], ['renamed', 'new text', cat.template2.id]);
  assert.deepEqual(
    pool.virtualmachines.map((vm: any) => vm.templateid),
    [cat.template.id, cat.template2.id],
  );
});

test('member deploys that keep failing put the pool in error; scaling it tries again', async () => {
  const cs = await env.account('pc-fail');
  const fault = randomUUID();
  await env.rt.store.db
    .insertInto('sim_faults')
    .values({
      id: fault,
      kind: 'fail_next_start',
      host_id: null,
      vm_id: null,
      value: 0,
      remaining: 1000,
      created_at: new Date().toISOString(),
    })
    .execute();
  // The sim re-reads its faults shortly (they are cached for a moment).
  await new Promise((r) => setTimeout(r, 300));
  let id: string;
  try {
    id = (await createPool(cs, { size: 2 })).id;
    const broken = await until('the pool in error', async () => {
      const p = (await cs.ok('getInstancePool', { id })).instancepool[0];
      return p.state === 'error' && p.virtualmachines.length === 0 && p;
    });
    assert.match(broken.errortext, /3 member deployments failed in a row/);
    assert.deepEqual(await liveVms(cs), [], 'failed deploys leave no VM behind');
  } finally {
    await env.rt.store.db.deleteFrom('sim_faults').where('id', '=', fault).execute();
  }
  await new Promise((r) => setTimeout(r, 300));
  await cs.ok('scaleInstancePool', { id, size: 2 });
  await settled(cs, id, 2);
});

test('destroyInstancePool destroys every member, then the pool', async () => {
  const cs = await env.account('pc-destroy');
  const { id } = await createPool(cs, { size: 3 });
  await settled(cs, id, 3);
  assert.deepEqual(await cs.ok('destroyInstancePool', { id, zoneid: cat.zone.id }), { success: true });
  const scale = await cs.call('scaleInstancePool', { id, size: 5 });
  if (scale.status !== 431) assert.fail(`a pool being destroyed cannot be scaled: ${scale.raw}`);
  await until('the pool is gone', async () => (await cs.call('getInstancePool', { id })).status === 431);
  assert.deepEqual(await liveVms(cs), []);
  assert.equal((await cs.ok('listInstancePools')).count, 0);
});

test("another account's pool is not found", async () => {
  const owner = await env.account('pc-owner');
  const other = await env.account('pc-other');
  const { id } = await createPool(owner, { size: 1 });
  for (const [cmd, params] of [
    ['getInstancePool', { id }],
    ['scaleInstancePool', { id, size: 3 }],
    ['updateInstancePool', { id, name: 'mine' }],
    ['destroyInstancePool', { id }],
  ] as const) {
    const r = await other.call(cmd, params);
    assert.equal(r.status, 431, `${cmd}: ${r.raw}`);
    assert.match(r.body.errortext, /does not exist|not found|Unable to find/i, cmd);
  }
  assert.equal((await other.ok('listInstancePools')).count, 0);
  const p = await settled(owner, id, 1);
  assert.equal(p.name, 'web', 'unchanged by the other account');
  assert.equal(p.size, 1);
});

test('malformed and impossible input gets a CloudStack error, never a 500', async () => {
  const cs = await env.account('pc-bad');
  const base = {
    name: 'x',
    zoneid: cat.zone.id,
    serviceofferingid: cat.micro.id,
    templateid: cat.template.id,
    size: 1,
  };
  const cases: Array<[string, Record<string, string | number | undefined>, RegExp]> = [
    ['createInstancePool', { ...base, name: undefined }, /name/],
    ['createInstancePool', { ...base, size: 'three' }, /size/],
    ['createInstancePool', { ...base, size: 0 }, /size must be between 1 and 100/],
    ['createInstancePool', { ...base, size: 101 }, /size must be between 1 and 100/],
    ['createInstancePool', { ...base, zoneid: 'not-a-uuid' }, /zoneid/],
    ['createInstancePool', { ...base, zoneid: '00000000-0000-4000-8000-000000000000' }, /zone/],
    ['createInstancePool', { ...base, templateid: '00000000-0000-4000-8000-000000000000' }, /template/],
    ['createInstancePool', { ...base, keypair: 'nope' }, /key pair named nope/],
    ['createInstancePool', { ...base, userdata: '%%%not base64' }, /base64/],
    ['createInstancePool', { ...base, rootdisksize: 5000 }, /rootdisksize/],
    ['createInstancePool', { ...base, name: ' ' }, /must not be empty/],
    [
      'createInstancePool',
      { ...base, affinitygroupids: '00000000-0000-4000-8000-000000000000' },
      /anti-affinity group/,
    ],
    ['createInstancePool', { ...base, networkids: '00000000-0000-4000-8000-000000000000' }, /private network/],
    ['getInstancePool', { id: 'zzz' }, /id/],
    ['getInstancePool', {}, /id/],
    ['scaleInstancePool', { id: '00000000-0000-4000-8000-000000000000', size: 2 }, /instance pool/i],
    ['scaleInstancePool', { id: '00000000-0000-4000-8000-000000000000', size: -1 }, /size/],
  ];
  for (const [cmd, params, message] of cases) {
    const r = await cs.call(cmd, params);
    assert.equal(r.status, 431, `${cmd} ${JSON.stringify(params)}: ${r.raw}`);
    assert.match(r.body.errortext, message, `${cmd} ${JSON.stringify(params)}`);
  }
  assert.equal((await cs.ok('listInstancePools')).count, 0, 'nothing was created');
});

test('listApis lists the six Instance Pool commands', async () => {
  const names = (await env.cs.ok('listApis')).api.map((a: any) => a.name);
  for (const n of [
    'createInstancePool',
    'updateInstancePool',
    'scaleInstancePool',
    'destroyInstancePool',
    'getInstancePool',
    'listInstancePools',
  ])
    assert.ok(names.includes(n), n);
});
