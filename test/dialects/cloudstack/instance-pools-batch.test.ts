/** Instance pools grown through the batch path of ordinary creates: many members at once, each with exactly the pool's settings. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import type { CsClient } from '../../support/cs-client.js';
import { until } from '../../support/until.js';
import { addKeyPair, catalog, type Catalog } from './vm-fixtures.js';

let env: TestEnv;
let cat: Catalog;
before(async () => {
  env = await startTestEnv({ NUBE_SIM_HOSTS: '10' });
  cat = await catalog(env.cs);
});
after(async () => {
  await env.close();
});

/** Waits until the pool is running with `size` Running members and returns it as getInstancePool shows it. */
async function settled(cs: CsClient, id: string, size: number): Promise<any> {
  return until(`pool ${id} running with ${size} members`, async () => {
    const p = (await cs.ok('getInstancePool', { id })).instancepool[0];
    const running = p.virtualmachines.filter((vm: any) => vm.state === 'Running').length;
    return p.state === 'running' && p.virtualmachines.length === size && running === size && p;
  });
}

test('scaling a pool to 12 deploys 11 members together, each Running with exactly the pool settings', async () => {
  const cs = await env.account('pb-many');
  await addKeyPair(env, 'pb-many', 'batch-key');
  const sg = (await cs.ok('createSecurityGroup', { name: 'web' })).securitygroup;
  const managed = (
    await cs.ok('createNetwork', {
      zoneid: cat.zone.id,
      name: 'managed',
      displaytext: 'managed',
      startip: '10.1.0.10',
      endip: '10.1.0.200',
      netmask: '255.255.255.0',
    })
  ).network;
  const plain = (await cs.ok('createNetwork', { zoneid: cat.zone.id, name: 'plain', displaytext: 'plain' })).network;
  const userdata = Buffer.from('#cloud-config\nhostname: member\n').toString('base64');
  const created = await cs.ok('createInstancePool', {
    name: 'many',
    zoneid: cat.zone.id,
    serviceofferingid: cat.micro.id,
    templateid: cat.template.id,
    size: 1,
    rootdisksize: 20,
    keypair: 'batch-key',
    userdata,
    securitygroupids: sg.id,
    networkids: `${managed.id},${plain.id}`,
  });
  const first = (await settled(cs, created.id, 1)).virtualmachines[0].id;
  await cs.ok('scaleInstancePool', { id: created.id, size: 12 });
  const pool = await settled(cs, created.id, 12);

  const ids: string[] = pool.virtualmachines.map((vm: any) => vm.id);
  assert.equal(new Set(ids).size, 12);
  assert.ok(ids.includes(first), 'the first member stays');
  const listed = (await cs.ok('listInstancePools', { id: created.id })).instancepool[0];
  assert.deepEqual(
    listed.virtualmachines.map((vm: any) => vm.id),
    ids,
    'listInstancePools shows the same members',
  );
  const names = new Set<string>();
  for (const vm of pool.virtualmachines) {
    assert.match(vm.name, new RegExp(`^pool-${created.id.slice(0, 5)}-[a-z0-9]{5}$`));
    names.add(vm.name);
    assert.deepEqual(
      [vm.state, vm.keypair, vm.serviceofferingid, vm.templateid, vm.zoneid],
      ['Running', 'batch-key', cat.micro.id, cat.template.id, cat.zone.id],
    );
    assert.deepEqual(
      vm.securitygroup.map((g: any) => g.id),
      [sg.id],
      'the pool security group, not the default one',
    );
    const nets = [...vm.nic].sort((a: any, b: any) => a.deviceid - b.deviceid).map((n: any) => n.networkid);
    assert.deepEqual(nets.slice(1), [managed.id, plain.id], 'the guest network, then the pool networks in order');
  }
  assert.equal(names.size, 12, 'member names are distinct');

  const db = env.rt.store.db;
  const rows = await db.selectFrom('vms').selectAll().where('id', 'in', ids).execute();
  for (const r of rows) {
    assert.deepEqual(
      [r.state, r.keypair, r.userdata, Number(r.root_disk_size)],
      ['running', 'batch-key', userdata, 20 * 1024 ** 3],
    );
  }
  const added = rows.filter((r) => r.id !== first);
  assert.equal(new Set(added.map((r) => r.created_at)).size, 1, 'the 11 new members were written together');
  const nics = await db.selectFrom('nics').selectAll().where('vm_id', 'in', ids).execute();
  assert.equal(nics.length, 36, 'three NICs per member');
  assert.equal(new Set(nics.map((n) => n.mac_address)).size, 36, 'distinct MACs');
  const onManaged = nics.filter((n) => n.network_id === managed.id).map((n) => n.ip_address);
  assert.equal(new Set(onManaged).size, 12, 'distinct addresses in the managed network');
  assert.ok(onManaged.every((a) => a !== null && /^10\.1\.0\.\d+$/.test(a)));
  assert.ok(nics.filter((n) => n.network_id === plain.id).every((n) => n.ip_address === null));
  assert.deepEqual(
    nics.filter((n) => n.is_default === 1).map((n) => n.device_id),
    Array(12).fill(0),
  );
  const tasks = await db
    .selectFrom('tasks')
    .select(['object_id', 'status'])
    .where('kind', '=', 'vm.create')
    .where('object_id', 'in', ids)
    .execute();
  assert.equal(tasks.length, 12, 'one vm.create task per member');
  assert.ok(tasks.every((t) => t.status === 'SUCCESS'));
  const volumes = await db.selectFrom('volumes').select(['vm_id', 'type', 'state']).where('vm_id', 'in', ids).execute();
  assert.equal(volumes.length, 12);
  assert.ok(volumes.every((v) => v.type === 'ROOT' && v.state === 'Ready'));
});

test('a refused batch of members meets the refusal a lone deploy would, and leaves no member behind', async () => {
  const cs = await env.account('pb-quota');
  await env.rt.core.quotas.set('pb-quota', { vms: 5 });
  const { id } = await cs.ok('createInstancePool', {
    name: 'limited',
    zoneid: cat.zone.id,
    serviceofferingid: cat.micro.id,
    templateid: cat.template.id,
    size: 1,
  });
  await settled(cs, id, 1);
  await cs.ok('scaleInstancePool', { id, size: 8 });
  const broken = await until('the pool in error', async () => {
    const p = (await cs.ok('getInstancePool', { id })).instancepool[0];
    return p.state === 'error' && p;
  });
  // The fifth member deployed alone finds the limit reached, as it did before pools used the batch path.
  assert.match(broken.errortext, /at most 5 virtual machines; it has 5 and this needs 1 more/);
  assert.equal(broken.virtualmachines.length, 1);
  assert.equal((await cs.ok('listVirtualMachines', {})).count, 1);
  await cs.ok('scaleInstancePool', { id, size: 5 });
  await settled(cs, id, 5);
});
