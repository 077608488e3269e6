import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { CsClient } from '../../support/cs-client.js';
import type { LimitChanges } from '../../../src/core/quotas/service.js';
import { loadConfig } from '../../../src/config.js';
import { systemContext } from '../../../src/lib/context.js';
import { fails } from './network-fixtures.js';

let env: TestEnv;
let cat: { zone: any; micro: any; small: any; template: any; smallDisk: any; customDisk: any };
before(async () => {
  env = await startTestEnv();
  const disks = (await env.cs.ok('listDiskOfferings')).diskoffering;
  cat = {
    zone: (await env.cs.ok('listZones')).zone[0],
    micro: (await env.cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0],
    small: (await env.cs.ok('listServiceOfferings', { name: 'Small' })).serviceoffering[0],
    template: (await env.cs.ok('listTemplates', { templatefilter: 'featured' })).template.find((t: any) =>
      /Linux/.test(t.name),
    ),
    smallDisk: disks.find((d: any) => d.name === 'Small'),
    customDisk: disks.find((d: any) => d.name === 'Custom'),
  };
});
after(async () => {
  await env.close();
});

/** A fresh account with the given overrides, as the operator sets them. */
async function limited(name: string, changes: LimitChanges): Promise<CsClient> {
  const cs = await env.account(name);
  await env.rt.core.quotas.set(name, changes);
  return cs;
}

const deployParams = (offering = cat.micro, extra: Record<string, string | boolean> = {}) => ({
  zoneid: cat.zone.id,
  serviceofferingid: offering.id,
  templateid: cat.template.id,
  ...extra,
});

/** A refusal as CloudStack answers a ResourceAllocationException: 535, cserrorcode 4370, a message naming the limit. */
async function refused(
  cs: CsClient,
  command: string,
  params: Record<string, string | number | boolean | undefined>,
  re: RegExp,
): Promise<void> {
  const body = await fails(cs, command, params, 535, re);
  assert.equal(body.cserrorcode, 4370);
  assert.match(body.errortext, /Limit exceeded/);
}

test('VMs, vCPUs and memory: a deploy past a limit is refused with 535 and creates nothing; destroying frees the room', async () => {
  const vms = await limited('q-vms', { vms: 1 });
  const first = (await vms.done('deployVirtualMachine', deployParams())).virtualmachine;
  await refused(
    vms,
    'deployVirtualMachine',
    deployParams(),
    /at most 1 virtual machines; it has 1 and this needs 1 more/,
  );
  assert.equal((await vms.ok('listVirtualMachines')).count, 1);
  assert.equal((await vms.ok('listVolumes')).count, 1, 'no ROOT volume was left behind');
  await vms.done('destroyVirtualMachine', { id: first.id });
  await vms.done('deployVirtualMachine', deployParams());

  const cpus = await limited('q-cpus', { cpus: 2 });
  await cpus.done('deployVirtualMachine', deployParams());
  await refused(cpus, 'deployVirtualMachine', deployParams(cat.small), /vCPUs/);
  await cpus.done('deployVirtualMachine', deployParams());

  const mem = await limited('q-mem', { memory_mb: 1024 });
  await mem.done('deployVirtualMachine', deployParams());
  await mem.done('deployVirtualMachine', deployParams());
  await refused(mem, 'deployVirtualMachine', deployParams(), /MB of memory/);
});

test('scaling a stopped VM past the vCPU or memory limit is refused and the VM keeps its size', async () => {
  const cs = await limited('q-scale', { cpus: 1 });
  const vm = (await cs.done('deployVirtualMachine', deployParams(cat.micro, { startvm: false }))).virtualmachine;
  await refused(cs, 'scaleVirtualMachine', { id: vm.id, serviceofferingid: cat.small.id }, /vCPUs/);
  await refused(cs, 'changeServiceForVirtualMachine', { id: vm.id, serviceofferingid: cat.small.id }, /vCPUs/);
  assert.equal((await cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine[0].serviceofferingid, cat.micro.id);
  await env.rt.core.quotas.set('q-scale', { cpus: 2, memory_mb: 1024 });
  await refused(cs, 'scaleVirtualMachine', { id: vm.id, serviceofferingid: cat.small.id }, /MB of memory/);
  await env.rt.core.quotas.set('q-scale', { memory_mb: null });
  await cs.ok('scaleVirtualMachine', { id: vm.id, serviceofferingid: cat.small.id });
});

test('volumes and storage: create, resize and restore past a limit are refused; deleting a volume frees it', async () => {
  const cs = await limited('q-vol', { volumes: 2, storage_gb: 25 });
  const vm = (await cs.done('deployVirtualMachine', deployParams())).virtualmachine;
  const data = (await cs.done('createVolume', { name: 'd1', zoneid: cat.zone.id, diskofferingid: cat.smallDisk.id }))
    .volume;
  await refused(
    cs,
    'createVolume',
    { name: 'd2', zoneid: cat.zone.id, diskofferingid: cat.customDisk.id, size: 1 },
    /at most 2 volumes/,
  );
  await cs.ok('deleteVolume', { id: data.id });
  await refused(
    cs,
    'createVolume',
    { name: 'd3', zoneid: cat.zone.id, diskofferingid: cat.customDisk.id, size: 16 },
    /at most 25 GB of volume storage; it has 10 and this needs 16 more/,
  );
  const custom = (
    await cs.done('createVolume', { name: 'd4', zoneid: cat.zone.id, diskofferingid: cat.customDisk.id, size: 5 })
  ).volume;
  await refused(cs, 'resizeVolume', { id: custom.id, size: 16 }, /GB of volume storage/);
  await cs.done('resizeVolume', { id: custom.id, size: 15 });
  await refused(cs, 'restoreVirtualMachine', { virtualmachineid: vm.id, rootdisksize: 11 }, /GB of volume storage/);
  assert.deepEqual((await cs.ok('listVolumes')).volume.map((v: any) => v.size / 1024 ** 3).sort(), [10, 15]);
});

test('snapshots, public IPs and networks past their limits are refused; deleting one frees the room', async () => {
  const cs = await limited('q-misc', { snapshots: 1, ips: 1, networks: 1 });
  const vm = (await cs.done('deployVirtualMachine', deployParams())).virtualmachine;
  const root = (await cs.ok('listVolumes', { virtualmachineid: vm.id })).volume[0];
  const snap = (await cs.done('createSnapshot', { volumeid: root.id })).snapshot;
  await refused(cs, 'createSnapshot', { volumeid: root.id }, /at most 1 snapshots/);
  await cs.done('deleteSnapshot', { id: snap.id });
  await cs.done('createSnapshot', { volumeid: root.id });

  const ip = (await cs.done('associateIpAddress', { zoneid: cat.zone.id })).ipaddress;
  await refused(cs, 'associateIpAddress', { zoneid: cat.zone.id }, /public IP addresses/);
  await cs.done('disassociateIpAddress', { id: ip.id });
  await cs.done('associateIpAddress', { zoneid: cat.zone.id });

  const net = (await cs.ok('createNetwork', { zoneid: cat.zone.id, name: 'n1', displaytext: 'n1' })).network;
  await refused(cs, 'createNetwork', { zoneid: cat.zone.id, name: 'n2', displaytext: 'n2' }, /private networks/);
  await cs.done('deleteNetwork', { id: net.id });
  await cs.ok('createNetwork', { zoneid: cat.zone.id, name: 'n3', displaytext: 'n3' });
});

test('parallel deploys racing for the last slots: exactly the limit succeeds', async () => {
  const cs = await limited('q-race', { vms: 3 });
  await cs.done('deployVirtualMachine', deployParams(cat.micro, { startvm: false }));
  const answers = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      cs.call('deployVirtualMachine', deployParams(cat.micro, { startvm: false, name: `race-${i}` })),
    ),
  );
  assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, ...Array(10).fill(535)]);
  for (const a of answers.filter((x) => x.status === 200))
    await cs.job('queryAsyncJobResult', { jobid: a.body.jobid }).catch(() => undefined);
  assert.equal((await cs.ok('listVirtualMachines')).count, 3);
});

test("listResourceLimits and listAccounts show an account's overrides; only an admin may change them with updateResourceLimit", async () => {
  const cs = await limited('q-show', { vms: 4, storage_gb: -1 });
  await cs.done('deployVirtualMachine', deployParams());
  const lim = (await cs.ok('listResourceLimits')).resourcelimit;
  assert.deepEqual(
    lim.find((l: any) => l.resourcetypename === 'user_vm'),
    {
      resourcetype: '0',
      resourcetypename: 'user_vm',
      max: 4,
      account: 'q-show',
      domain: 'ROOT',
      domainid: lim[0].domainid,
    },
  );
  assert.equal(lim.find((l: any) => l.resourcetype === '10').max, -1);
  const acct = (await cs.ok('listAccounts')).account[0];
  assert.deepEqual([acct.vmlimit, acct.vmavailable, acct.vmtotal], ['4', '3', 1]);
  assert.deepEqual(
    [acct.primarystoragelimit, acct.primarystorageavailable, acct.primarystoragetotal],
    ['Unlimited', 'Unlimited', 10],
  );

  await fails(cs, 'updateResourceLimit', { resourcetype: 0, max: 100 }, 432, /does not exist or it is not available/);
  assert.equal(
    (await cs.ok('listApis', { name: 'updateResourceLimit' })).count,
    0,
    'a user does not see the admin command',
  );
  await assert.rejects(
    env.rt.core.quotas.setByAdmin({ ...systemContext(acct.id, 'q-show'), isAdmin: false }, undefined, 'vms', 100),
    /Only an administrator/,
  );
  const admin = await env.rt.core.accounts.createAccount('q-admin', { admin: true });
  const root = new CsClient(env.app, admin.credentials['api-key-pair'].key, admin.credentials['api-key-pair'].secret);
  const set = await root.ok('updateResourceLimit', { resourcetype: 0, max: 1, account: 'q-show' });
  assert.deepEqual(set.resourcelimit, {
    resourcetype: '0',
    resourcetypename: 'user_vm',
    max: 1,
    account: 'q-show',
    domain: 'ROOT',
    domainid: acct.id,
  });
  assert.deepEqual(
    (await cs.ok('listAccounts')).account[0].vmavailable,
    '0',
    'lowering below the use deletes nothing and leaves nothing available',
  );
  await refused(cs, 'deployVirtualMachine', deployParams(), /at most 1 virtual machines/);
  const back = await root.ok('updateResourceLimit', { resourcetype: 0, account: 'q-show' });
  assert.equal(back.resourcelimit.max, env.config.defaultLimits.vms, 'without max the default applies again');
  await fails(root, 'updateResourceLimit', { resourcetype: 4, max: 3 }, 431, /does not limit/);
  await fails(root, 'updateResourceLimit', { resourcetype: 0, max: -2 }, 431, /max/);
  await fails(root, 'updateResourceLimit', { resourcetype: 0, max: 3, account: 'nobody' }, 431, /not found/);
});

test('the defaults come from NUBE_DEFAULT_LIMITS and apply to every account, the admin too', async () => {
  const small = await startTestEnv({ NUBE_DEFAULT_LIMITS: 'vms=1, networks=0' });
  try {
    assert.equal(small.config.defaultLimits.vms, 1);
    assert.equal(
      small.config.defaultLimits.cpus,
      env.config.defaultLimits.cpus,
      'limits not named keep the built-in value',
    );
    const zone = (await small.cs.ok('listZones')).zone[0];
    const params = {
      zoneid: zone.id,
      serviceofferingid: (await small.cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0].id,
      templateid: (await small.cs.ok('listTemplates', { templatefilter: 'featured' })).template[0].id,
    };
    await refused(
      small.cs,
      'createNetwork',
      { zoneid: zone.id, name: 'n', displaytext: 'n' },
      /at most 0 private networks/,
    );
    const admin = await small.rt.core.accounts.createAccount('boss', { admin: true });
    const boss = new CsClient(
      small.app,
      admin.credentials['api-key-pair'].key,
      admin.credentials['api-key-pair'].secret,
    );
    await boss.done('deployVirtualMachine', params);
    await refused(boss, 'deployVirtualMachine', params, /virtual machines/);
    assert.equal((await boss.ok('listResourceLimits', { resourcetype: 0 })).resourcelimit[0].max, 1);
  } finally {
    await small.close();
  }
  assert.throws(() => loadConfig({ NUBE_DEFAULT_LIMITS: 'vms=ten' }), /NUBE_DEFAULT_LIMITS must be name=N/);
  assert.throws(() => loadConfig({ NUBE_DEFAULT_LIMITS: 'gpus=1' }), /unknown limit "gpus"/);
  assert.ok(Object.values(loadConfig({ NUBE_DEFAULT_LIMITS: 'off' }).defaultLimits).every((v) => v === -1));
});
