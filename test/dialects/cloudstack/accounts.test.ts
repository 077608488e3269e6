import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import type { CsClient } from '../../support/cs-client.js';
import { deployVm, fails, netCatalog, type NetCatalog } from './network-fixtures.js';

let env: TestEnv;
let c: NetCatalog;
let bob: CsClient;
before(async () => {
  env = await startTestEnv();
  c = await netCatalog(env.cs);
  bob = await env.account('bob');
});
after(async () => {
  await env.close();
});

test("listAccounts shows the caller's own account with its users and the default limits", async () => {
  const res = await env.cs.ok('listAccounts');
  assert.equal(res.count, 1);
  const a = res.account[0];
  assert.equal(a.name, 'alice');
  assert.equal(a.accounttype, 0);
  assert.equal(a.state, 'enabled');
  assert.equal(a.vmtotal, 0);
  assert.equal(a.iptotal, 0);
  const d = env.config.defaultLimits;
  const expected: Record<string, number> = {
    vm: d.vms,
    ip: d.ips,
    cpu: d.cpus,
    memory: d.memory_mb,
    network: d.networks,
    volume: d.volumes,
    snapshot: d.snapshots,
    primarystorage: d.storage_gb,
  };
  for (const [k, max] of Object.entries(expected)) {
    assert.equal(a[`${k}limit`], String(max), k);
    assert.equal(a[`${k}available`], String(max), k);
  }
  assert.equal(a.eiplimit, String(d.ips));
  for (const k of ['template', 'secondarystorage', 'vpc', 'project']) assert.equal(a[`${k}limit`], 'Unlimited', k);
  assert.equal(a.user.length, 1);
  assert.equal(a.user[0].username, 'alice');
  assert.equal(a.user[0].account, 'alice');
  assert.equal(a.user[0].accountid, a.id);
  assert.equal(a.user[0].email, 'alice@nube.local');
  assert.match(a.user[0].created, /\+0000$/);
  assert.deepEqual(a.groups, []);
});

test('the totals follow what the account holds', async () => {
  const running = await deployVm(env.cs, c);
  const stopped = await deployVm(env.cs, c, { startvm: false });
  await env.cs.done('associateIpAddress', { zoneid: c.zone.id });
  await env.cs.ok('createNetwork', { zoneid: c.zone.id, name: 'n', displaytext: 'n' });
  await env.cs.done('registerCustomTemplate', {
    zoneid: c.zone.id,
    name: 't',
    displaytext: 't',
    url: 'http://example.com/t.qcow2',
    checksum: 'ffffffffffffffffffffffffffffffff',
  });
  const a = (await env.cs.ok('listAccounts')).account[0];
  assert.equal(a.vmtotal, 2);
  assert.equal(a.vmrunning, 1);
  assert.equal(a.vmstopped, 1);
  assert.equal(a.cputotal, running.cpunumber + stopped.cpunumber);
  assert.equal(a.memorytotal, 1024);
  assert.equal(a.volumetotal, 2);
  assert.equal(a.primarystoragetotal, 20);
  assert.equal(a.iptotal, 1);
  assert.equal(a.networktotal, 1);
  assert.equal(a.templatetotal, 1);
  assert.equal(a.secondarystoragetotal, 10);
  await env.cs.done('destroyVirtualMachine', { id: running.id });
  assert.equal((await env.cs.ok('listAccounts')).account[0].vmtotal, 1);
});

test('listAccounts filters and never shows another account to a normal user', async () => {
  const alice = (await env.cs.ok('listAccounts')).account[0];
  assert.equal(
    (await env.cs.ok('listAccounts', { name: 'alice', id: alice.id, state: 'enabled', accounttype: 0, keyword: 'ali' }))
      .count,
    1,
  );
  assert.deepEqual(await env.cs.ok('listAccounts', { accounttype: 1 }), { count: 0, account: [] });
  assert.deepEqual(await env.cs.ok('listAccounts', { state: 'disabled' }), { count: 0, account: [] });
  assert.deepEqual(await bob.ok('listAccounts', { name: 'alice' }), { count: 0, account: [] });
  assert.deepEqual(await bob.ok('listAccounts', { id: alice.id }), { count: 0, account: [] });
  const bobs = await bob.ok('listAccounts');
  assert.deepEqual(
    bobs.account.map((x: any) => x.name),
    ['bob'],
  );
  assert.equal(bobs.account[0].vmtotal, 0, "bob does not see alice's usage");
  await fails(env.cs, 'listAccounts', { accounttype: 2 }, 431, /accounttype/);
  await fails(env.cs, 'listAccounts', { state: 'sleepy' }, 431, /state/);
  await fails(env.cs, 'listAccounts', { id: 'alice' }, 431);
});

test('listResourceLimits lists the twelve CloudStack resource types with the default limits', async () => {
  const res = await env.cs.ok('listResourceLimits');
  assert.equal(res.count, 12);
  assert.deepEqual(
    res.resourcelimit.map((l: any) => l.resourcetype),
    ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'],
  );
  assert.ok(res.resourcelimit.every((l: any) => l.account === 'alice' && typeof l.resourcetypename === 'string'));
  const d = env.config.defaultLimits;
  assert.deepEqual(
    res.resourcelimit.map((l: any) => l.max),
    [d.vms, d.ips, d.volumes, d.snapshots, -1, -1, d.networks, -1, d.cpus, d.memory_mb, d.storage_gb, -1],
  );
  assert.equal(res.resourcelimit[1].resourcetypename, 'public_ip');
  assert.deepEqual(
    (await env.cs.ok('listResourceLimits', { resourcetype: 8 })).resourcelimit.map((l: any) => l.resourcetypename),
    ['cpu'],
  );
  assert.deepEqual(
    (await env.cs.ok('listResourceLimits', { resourcetypename: 'memory' })).resourcelimit.map(
      (l: any) => l.resourcetype,
    ),
    ['9'],
  );
  const page = await env.cs.ok('listResourceLimits', { page: 3, pagesize: 5 });
  assert.equal(page.count, 12);
  assert.deepEqual(
    page.resourcelimit.map((l: any) => l.resourcetype),
    ['10', '11'],
  );
  await fails(env.cs, 'listResourceLimits', { resourcetype: 12 }, 431, /resourcetype/);
  await fails(env.cs, 'listResourceLimits', { resourcetypename: 'gpus' }, 431, /resourcetypename/);
  await fails(env.cs, 'listResourceLimits', { resourcetype: 1, resourcetypename: 'cpu' }, 431, /different/);
  assert.equal((await bob.ok('listResourceLimits')).resourcelimit[0].account, 'bob');
});
