import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sigmaPair } from './sigma-client.js';

const t = sigmaPair();

test('server create with a drive, info shows the drive, NIC address and settings; the same VM is in the CloudStack API', async () => {
  const drive = (await t.carol.post('/drives/create', { name: 'root', size: '10M' })).record.drive!;
  const s = (
    await t.carol.post('/servers/create', {
      name: 'Test server',
      cpu: '2000',
      mem: '1024',
      'ide:0:0': drive,
      boot: 'ide:0:0',
      smp: 'auto',
      'nic:0:model': 'virtio',
      'nic:0:dhcp': 'auto',
      'vnc:ip': 'auto',
      'vnc:password': 'secret12',
    })
  ).record;
  assert.equal(s.status, 'stopped');
  assert.equal(s.name, 'Test server');
  assert.equal(s.cpu, '2000');
  assert.equal(s.smp, '1');
  assert.equal(s.mem, '1024');
  assert.equal(s['ide:0:0'], drive);
  assert.equal(s['ide:0:0:media'], 'disk');
  assert.equal(s['nic:0:model'], 'virtio');
  assert.match(s['nic:0:dhcp']!, /^\d+\.\d+\.\d+\.\d+$/);
  assert.equal(s['vnc:ip'], s['nic:0:dhcp']);
  assert.equal(s['vnc:password'], 'secret12');
  assert.ok((await t.carol.get('/servers/list')).list.includes(s.server!));
  assert.ok((await t.carol.get('/guests/info')).records.some((r) => r.server === s.server));
  assert.match((await t.carol.get(`/drives/${drive}/info`)).record.claimed!, new RegExp(`:guest:${s.server}:ide:0:0$`));
  const vm = await t.env.rt.core.vms.get(
    {
      accountId: (await t.env.rt.core.accounts.accountByName('carol')).id,
      accountName: 'carol',
      userId: null,
      isAdmin: false,
      requestId: 't',
      origin: 't',
    },
    s.server!,
  );
  assert.equal(vm.memoryMb, 1024);
  // Mounted drives cannot be destroyed; other accounts cannot see the server.
  assert.equal((await t.carol.req('POST', `/drives/${drive}/destroy`)).status, 400);
  assert.equal((await t.dave.req('GET', `/servers/${s.server}/info`)).status, 404);
  assert.equal((await t.dave.req('POST', `/servers/${s.server}/start`)).status, 404);
});

test('start (200, twice), stop (204), set while stopped, shutdown, destroy (204) keeps the drives', async () => {
  const drive = (await t.carol.post('/drives/create', { name: 'd', size: '10M' })).record.drive!;
  const s = (await t.carol.post('/servers/create', { name: 'n1', cpu: '1', mem: '512', 'ide:0:0': drive })).record;
  assert.equal(s.cpu, '2000');
  assert.equal((await t.carol.post(`/servers/${s.server}/start`)).record.status, 'active');
  assert.equal((await t.carol.post(`/servers/${s.server}/start`)).record.status, 'active');
  assert.equal((await t.carol.req('POST', `/servers/${s.server}/set`, { mem: '2048' })).status, 409);
  await t.carol.post(`/servers/${s.server}/stop`, undefined, 204);
  const set = (
    await t.carol.post(`/servers/${s.server}/set`, {
      smp: '2',
      'nic:1:model': 'virtio',
      'nic:1:vlan': 'v1',
      cpu: '4000',
    })
  ).record;
  assert.equal(set.smp, '2');
  assert.equal(set.cpu, '4000');
  assert.equal(set['nic:1:model'], 'virtio');
  assert.equal(set['ide:0:0'], drive);
  assert.equal((await t.carol.req('POST', `/servers/${s.server}/set`, { bogus: '1' })).status, 400);
  assert.equal((await t.carol.req('POST', `/servers/${s.server}/set`, { smp: '9' })).status, 400);
  await t.carol.post(`/servers/${s.server}/start`);
  await t.carol.post(`/servers/${s.server}/shutdown`, undefined, 204);
  assert.equal((await t.carol.get(`/servers/${s.server}/info`)).record.status, 'stopped');
  await t.carol.post(`/servers/${s.server}/destroy`, undefined, 204);
  assert.equal((await t.carol.req('GET', `/servers/${s.server}/info`)).status, 404);
  assert.equal((await t.carol.get(`/drives/${drive}/info`)).record.claimed, undefined);
  assert.equal((await t.carol.req('GET', '/servers/create')).status, 405);
  assert.match((await t.carol.post('/servers/create', { cpu: '1000' }, 400)).text, /^errors:name /m);
});

test('multi-server start, stop and destroy with server:N keys; clone copies size and drives', async () => {
  const a = (await t.carol.post('/servers/create', { name: 'a', cpu: '1000', mem: '512' })).record.server!;
  const d = (await t.carol.post('/drives/create', { name: 'bd', size: '2M' })).record.drive!;
  await t.carol.post(`/drives/${d}/write`, Buffer.from('bootsector'), 204);
  const b = (await t.carol.post('/servers/create', { name: 'b', cpu: '1000', mem: '512', 'ide:0:0': d })).record
    .server!;
  assert.deepEqual((await t.carol.post('/servers/start', { 'server:0': a, 'server:1': b })).list, [a, b]);
  assert.equal((await t.carol.get(`/servers/${b}/info`)).record.status, 'active');
  await t.carol.post('/guests/stop', { 'server:0': a, 'server:1': b });
  const clone = (await t.carol.post(`/servers/${b}/clone`, { name: 'b2' })).record;
  assert.equal(clone.mem, '512');
  assert.notEqual(clone['ide:0:0'], d);
  assert.equal((await t.carol.get(`/drives/${clone['ide:0:0']}/read/0/10`)).raw.toString(), 'bootsector');
  assert.equal(
    (
      await t.carol.req('POST', '/servers/destroy', {
        'server:0': a,
        'server:1': '00000000-0000-0000-0000-000000000001',
      })
    ).status,
    404,
  );
  await t.carol.post('/servers/destroy', { 'server:0': a, 'server:1': b, 'server:2': clone.server! });
  assert.deepEqual(
    (await t.carol.get('/servers/list')).list.filter((x) => [a, b, clone.server].includes(x)),
    [],
  );
});

test("nic:0:mac chosen at create is the NIC's MAC (what a qemu guest boots with); bad or taken MACs are refused; rx/tx are metered", async () => {
  const s = (
    await t.carol.post('/servers/create', {
      name: 'mac-server',
      cpu: '1000',
      mem: '512',
      'nic:0:mac': '02:AA:bb:cc:dd:01',
    })
  ).record;
  assert.equal(s['nic:0:mac'], '02:aa:bb:cc:dd:01');
  const nic = await t.env.rt.store.db
    .selectFrom('nics')
    .select('mac_address')
    .where('vm_id', '=', s.server!)
    .executeTakeFirstOrThrow();
  assert.equal(
    nic.mac_address,
    '02:aa:bb:cc:dd:01',
    'the core NIC carries the MAC, so every dialect and driver sees it',
  );
  const bad = await t.carol.req('POST', '/servers/create', {
    name: 'bad-mac',
    cpu: '1000',
    mem: '512',
    'nic:0:mac': '03:00:00:00:00:01',
  });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /nic:0:mac/);
  const taken = await t.dave.req('POST', '/servers/create', {
    name: 'same-mac',
    cpu: '1000',
    mem: '512',
    'nic:0:mac': '02:aa:bb:cc:dd:01',
  });
  assert.equal(taken.status, 400, "a MAC in use is refused like any unusable MAC (it may be another account's)");
  assert.equal(taken.text.replace('02:aa:bb:cc:dd:01', '<mac>'), bad.text.replace('03:00:00:00:00:01', '<mac>'));
  assert.equal((await t.dave.get('/servers/list')).list.length, 0, 'a refused create leaves no server');
  const plain = (await t.carol.post('/servers/create', { name: 'auto-mac', cpu: '1000', mem: '512' })).record;
  assert.match(plain['nic:0:mac']!, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, 'a MAC is generated when none is set');

  await t.carol.post(`/servers/${s.server}/start`);
  await new Promise((r) => setTimeout(r, 1100));
  const info = (await t.carol.get(`/servers/${s.server}/info`)).record;
  assert.ok(Number(info.rx) > 0 && Number(info.tx) > 0, `rx/tx come from the driver's counters: ${info.rx}/${info.tx}`);
  await t.carol.req('POST', `/servers/${s.server}/stop`);
});
