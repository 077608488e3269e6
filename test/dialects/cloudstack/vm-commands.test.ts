import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { addGroup, addKeyPair, catalog, deploy, finish, type Catalog } from './vm-fixtures.js';

let env: TestEnv;
let c: Catalog;
before(async () => {
  env = await startTestEnv();
  c = await catalog(env.cs);
});
after(async () => {
  await env.close();
});

const base = () => ({ zoneid: c.zone.id, serviceofferingid: c.micro.id, templateid: c.template.id });

test('deploy with startvm=false (what libcloud sends by default) leaves the VM Stopped', async () => {
  const vm = (await deploy(env.cs, c, { name: 'cold', startvm: 'False' })).virtualmachine;
  assert.equal(vm.state, 'Stopped');
  assert.equal((await env.cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine[0].state, 'Stopped');
  const started = (await env.cs.done('startVirtualMachine', { id: vm.id })).virtualmachine;
  assert.equal(started.state, 'Running');
  const warm = (await deploy(env.cs, c, { name: 'warm', startvm: 'TRUE' })).virtualmachine;
  assert.equal(warm.state, 'Running');
});

test('deploy answers a job id and the VM id first, and the job result shows the full VM', async () => {
  const first = await env.cs.ok('deployVirtualMachine', {
    ...base(),
    name: 'shape',
    displayname: 'Shape VM',
    group: 'web',
  });
  assert.match(first.jobid, /^[0-9a-f-]{36}$/);
  assert.match(first.id, /^[0-9a-f-]{36}$/);
  const vm = (await finish(env.cs, first.jobid)).virtualmachine;
  assert.equal(vm.id, first.id);
  assert.equal(vm.displayname, 'Shape VM');
  assert.equal(vm.group, 'web');
  assert.equal(vm.serviceofferingid, c.micro.id);
  assert.equal(vm.templateid, c.template.id);
  assert.equal(vm.zoneid, c.zone.id);
  assert.equal(vm.memory, 512);
  assert.equal(vm.cpunumber, 1);
  assert.equal(vm.securitygroup[0].name, 'default');
  assert.equal(vm.nic.length, 1);
  assert.equal(vm.nic[0].isdefault, true);
});

test('deploy validates its parameters with 431 answers', async () => {
  const missing = await env.cs.call('deployVirtualMachine', {
    serviceofferingid: c.micro.id,
    templateid: c.template.id,
  });
  assert.equal(missing.status, 431);
  assert.match(missing.body.errortext, /missing parameter zoneid/);
  assert.equal(missing.body.errorcode, 431);
  for (const [field, value] of [
    ['zoneid', randomUUID()],
    ['serviceofferingid', randomUUID()],
    ['templateid', randomUUID()],
    ['zoneid', 'not-a-uuid'],
  ]) {
    const r = await env.cs.call('deployVirtualMachine', { ...base(), [field!]: value });
    assert.equal(r.status, 431, `${field}=${value}: ${r.raw}`);
  }
  const mega = await env.cs.call('deployVirtualMachine', { ...base(), serviceofferingid: c.mega.id });
  assert.equal(mega.status, 431);
  assert.match(mega.body.errortext, /not authorized/);
  const badName = await env.cs.call('deployVirtualMachine', { ...base(), name: '1starts-with-digit' });
  assert.equal(badName.status, 431);
  const noKey = await env.cs.call('deployVirtualMachine', { ...base(), keypair: 'nope' });
  assert.equal(noKey.status, 431);
  assert.match(noKey.body.errortext, /nope/);
  const smallDisk = await env.cs.call('deployVirtualMachine', { ...base(), rootdisksize: 5 });
  assert.equal(smallDisk.status, 431);
  assert.match(smallDisk.body.errortext, /rootdisksize/);
  const both = await env.cs.call('deployVirtualMachine', {
    ...base(),
    securitygroupnames: 'default',
    securitygroupids: randomUUID(),
  });
  assert.equal(both.status, 431);
  const unknownSg = await env.cs.call('deployVirtualMachine', { ...base(), securitygroupnames: 'nosuchgroup' });
  assert.equal(unknownSg.status, 431);
  const unknownAg = await env.cs.call('deployVirtualMachine', { ...base(), affinitygroupids: randomUUID() });
  assert.equal(unknownAg.status, 431);
  const total = (await env.cs.ok('listVirtualMachines', { name: '1starts-with-digit' })).count;
  assert.equal(total, 0, 'nothing was created by refused deploys');
});

test('deploy refuses a second VM with the same name in the account, not in another account', async () => {
  await deploy(env.cs, c, { name: 'twin' });
  const dup = await env.cs.call('deployVirtualMachine', { ...base(), name: 'twin' });
  assert.equal(dup.status, 431);
  assert.match(dup.body.errortext, /twin/);
  const bob = await env.account('bob-dup');
  const other = (await deploy(bob, c, { name: 'twin' })).virtualmachine;
  assert.equal(other.name, 'twin');
});

test('deploy with a key pair, a bigger root disk, security and affinity groups', async () => {
  await addKeyPair(env, 'alice', 'deploy-key');
  const sg = await addGroup(env, 'security_groups', 'alice', 'web-sg');
  const ag = await addGroup(env, 'affinity_groups', 'alice', 'spread');
  const vm = (
    await deploy(env.cs, c, {
      name: 'full',
      keypair: 'deploy-key',
      rootdisksize: 20,
      securitygroupnames: 'web-sg',
      affinitygroupids: ag,
    })
  ).virtualmachine;
  assert.equal(vm.keypair, 'deploy-key');
  assert.deepEqual(
    vm.securitygroup.map((g: any) => g.id),
    [sg],
  );
  assert.deepEqual(
    vm.affinitygroup.map((g: any) => g.id),
    [ag],
  );
  const view = await env.rt.core.vms.get(ctxOf(await aliceId()), vm.id);
  assert.equal(view.rootDiskSize, 20 * 1024 ** 3);
  const byIds = (await deploy(env.cs, c, { securitygroupids: sg, affinitygroupnames: 'spread' })).virtualmachine;
  assert.equal(byIds.securitygroup[0].name, 'web-sg');
  assert.equal(byIds.affinitygroup[0].name, 'spread');
});

test('user data: 2048 base64 characters at most with GET, 32768 with POST', async () => {
  const get = await env.cs.call('deployVirtualMachine', { ...base(), userdata: 'QUJD'.repeat(513) });
  assert.equal(get.status, 431);
  assert.match(get.body.errortext, /POST/);
  const okGet = await env.cs.call('deployVirtualMachine', { ...base(), userdata: 'QUJD'.repeat(512) });
  assert.equal(okGet.status, 200, okGet.raw);
  const big = 'QUJD'.repeat(8192);
  const post = await env.cs.call(
    'deployVirtualMachine',
    { ...base(), name: 'bigdata', userdata: big },
    { method: 'POST' },
  );
  assert.equal(post.status, 200, post.raw);
  const tooBig = await env.cs.call('deployVirtualMachine', { ...base(), userdata: `${big}QUJD` }, { method: 'POST' });
  assert.equal(tooBig.status, 431);
  const notB64 = await env.cs.call('deployVirtualMachine', { ...base(), userdata: 'not base64!' });
  assert.equal(notB64.status, 431);
  const vm = await env.rt.core.vms.list(ctxOf(await aliceId()), { name: 'bigdata' });
  assert.equal(vm.items[0]!.userData, big);
});

async function aliceId(): Promise<string> {
  return (
    await env.rt.store.db.selectFrom('accounts').select('id').where('name', '=', 'alice').executeTakeFirstOrThrow()
  ).id;
}

function ctxOf(accountId: string) {
  return { accountId, accountName: 'alice', userId: null, isAdmin: false, requestId: 'test', origin: 'test' };
}

test('listVirtualMachines filters by id, name, keyword, state, zone and template, and pages with the total count', async () => {
  const carol = await env.account('carol');
  const a = (await deploy(carol, c, { name: 'alpha-web' })).virtualmachine;
  const b = (await deploy(carol, c, { name: 'beta-db', startvm: false, templateid: c.template2.id })).virtualmachine;
  const d = (await deploy(carol, c, { name: 'gamma-web', zoneid: c.zone2.id })).virtualmachine;
  const ids = (r: any) => r.virtualmachine.map((v: any) => v.id).sort();
  const all = await carol.ok('listVirtualMachines');
  assert.equal(all.count, 3);
  assert.deepEqual(Object.keys(all).sort(), ['count', 'virtualmachine']);
  assert.deepEqual(ids(await carol.ok('listVirtualMachines', { id: b.id })), [b.id]);
  assert.deepEqual(ids(await carol.ok('listVirtualMachines', { name: 'gamma-web' })), [d.id]);
  assert.deepEqual(ids(await carol.ok('listVirtualMachines', { keyword: 'WEB' })), [a.id, d.id].sort());
  assert.deepEqual(ids(await carol.ok('listVirtualMachines', { state: 'Stopped' })), [b.id]);
  assert.deepEqual(ids(await carol.ok('listVirtualMachines', { state: 'running' })), [a.id, d.id].sort());
  assert.deepEqual(ids(await carol.ok('listVirtualMachines', { zoneid: c.zone2.id })), [d.id]);
  assert.deepEqual(ids(await carol.ok('listVirtualMachines', { templateid: c.template2.id })), [b.id]);
  assert.deepEqual(await carol.ok('listVirtualMachines', { name: 'nobody' }), { count: 0, virtualmachine: [] });
  const seen: string[] = [];
  for (const page of [1, 2]) {
    const r = await carol.ok('listVirtualMachines', { page, pagesize: 2 });
    assert.equal(r.count, 3, 'count is the total across pages');
    seen.push(...r.virtualmachine.map((v: any) => v.id));
  }
  assert.equal(seen.length, 3);
  assert.deepEqual([...seen].sort(), [a.id, b.id, d.id].sort());
  assert.deepEqual(await carol.ok('listVirtualMachines', { page: 3, pagesize: 2 }), { count: 3, virtualmachine: [] });
  const alice = await env.cs.ok('listVirtualMachines', { id: a.id });
  assert.deepEqual(alice, { count: 0, virtualmachine: [] }, "another account's VM is invisible");
  const bad = await carol.call('listVirtualMachines', { id: 'x' });
  assert.equal(bad.status, 431);
});
