import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDanube, type DanubeEnv } from '../../support/danube.js';
import { CsClient } from '../../support/cs-client.js';
import type { EsClient } from '../../support/es-client.js';

let d: DanubeEnv;
let carol: EsClient;
let carolCs: CsClient;
let carolKey: string;
let net: string;
let image: string;

before(async () => {
  d = await startDanube();
  const c = await d.env.rt.core.accounts.createAccount('carol', { password: 'carol-password-1' });
  carol = d.client();
  assert.equal((await carol.login('carol', 'carol-password-1')).status, 200);
  carolKey = c.credentials['user-api-key'].apiKey;
  const keys = c.credentials['api-key-pair'];
  carolCs = new CsClient(d.env.app, keys.key, keys.secret);
  net = (await carolCs.ok('listNetworks', { type: 'Shared' })).network[0].name;
  image = (await carolCs.ok('listTemplates', { templatefilter: 'featured' })).template.find((t: any) =>
    /Linux/.test(t.name),
  ).name;
});
after(async () => {
  await d.close();
});

/** Defines a VM with one disk from the image and one NIC on the shared network. */
async function defineVm(es: EsClient, hostname: string): Promise<void> {
  assert.equal((await es.create(`/vm/${hostname}/define`, { vcpus: 1, ram: 512 })).status, 201);
  assert.equal((await es.create(`/vm/${hostname}/define/disk/1`, { size: 10240, image })).status, 201);
  assert.equal((await es.create(`/vm/${hostname}/define/nic/1`, { net })).status, 201);
}

test('define → disk → nic → deploy → stop → destroy → delete through es, with the VM status at each step', async () => {
  const es = carol;
  const def = await es.create('/vm/web01.example.com/define', { vcpus: 1, ram: 512, alias: 'web01', note: 'hello' });
  assert.equal(def.status, 201, def.text);
  assert.equal(def.body.status, 'SUCCESS');
  assert.deepEqual(
    [def.body.result.hostname, def.body.result.vcpus, def.body.result.ram, def.body.result.alias, def.body.result.note],
    ['web01.example.com', 1, 512, 'web01', 'hello'],
  );
  assert.equal((await es.create('/vm/web01.example.com/define', { vcpus: 1, ram: 512 })).status, 406);
  let vm = await es.get('/vm/web01.example.com');
  assert.equal(vm.body.result.status, 'notcreated');

  const noDisk = await es.create('/vm/web01.example.com');
  assert.deepEqual([noDisk.status, noDisk.body.detail], [428, 'VM has no bootable disk']);

  const disk = await es.create('/vm/web01.example.com/define/disk/1', { size: 10240, image });
  assert.equal(disk.status, 201, disk.text);
  // The disk shows its image by the name GET /image lists it under (the catalog's name is its alias).
  const images = (await es.get('/image', { full: true })).body.result as Array<{ name: string; alias: string }>;
  const imageName = images.find((i) => i.alias === image)!.name;
  assert.deepEqual([disk.body.result.size, disk.body.result.image, disk.body.result.boot], [10240, imageName, true]);
  const again = await es.create('/vm/web01.example.com/define/disk/1', { size: 10240 });
  assert.deepEqual([again.status, again.body.detail], [406, 'VM disk already exists']);
  const far = await es.create('/vm/web01.example.com/define/disk/3', { size: 1024 });
  assert.deepEqual([far.status, far.body.detail], [406, 'VM disk out of range']);
  assert.equal((await es.create('/vm/web01.example.com/define/disk/2', { size: 1024, model: 'scsi' })).status, 201);
  const set = await es.set('/vm/web01.example.com/define/disk/2', { size: 2048 });
  assert.equal(set.body.result.size, 2048);
  assert.equal((await es.delete('/vm/web01.example.com/define/disk/2')).status, 200);
  assert.equal((await es.get('/vm/web01.example.com/define/disk')).body.result.length, 1);

  const nic = await es.create('/vm/web01.example.com/define/nic/1', { net });
  assert.equal(nic.status, 201, nic.text);
  const ip = nic.body.result.ip;
  assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
  assert.equal(nic.body.result.net, net);
  const badNet = await es.create('/vm/web01.example.com/define/nic/2', { net: 'no-such-net' });
  assert.equal(badNet.status, 400);
  assert.ok(badNet.body.result.net);

  const full = await es.get('/vm/web01.example.com/define', { full: true });
  assert.equal(full.body.result.disks.length, 1);
  assert.equal(full.body.result.nics[0].ip, ip);
  assert.equal((await es.set('/vm/web01.example.com/define', { vcpus: 2 })).body.result.vcpus, 2);

  const deployed = await es.create('/vm/web01.example.com');
  assert.equal(deployed.status, 200, deployed.text);
  assert.equal(deployed.body.status, 'SUCCESS');
  vm = await es.get('/vm/web01.example.com');
  assert.deepEqual([vm.body.result.status, vm.body.result.vcpus], ['running', 2]);
  assert.ok(vm.body.result.node);
  assert.deepEqual(vm.body.result.ips, [ip]);
  const twice = await es.create('/vm/web01.example.com');
  assert.deepEqual([twice.status, twice.body.detail], [423, 'VM is already created']);
  assert.equal((await es.create('/vm/web01.example.com/define/disk/2', { size: 1024 })).status, 423);
  const notStopped = await es.delete('/vm/web01.example.com');
  assert.deepEqual([notStopped.status, notStopped.body.detail], [423, 'VM is not stopped']);
  const notDefined = await es.delete('/vm/web01.example.com/define');
  assert.deepEqual([notDefined.status, notDefined.body.detail], [423, 'VM is not notcreated']);

  assert.equal((await es.set('/vm/web01.example.com/status/stop')).status, 200);
  assert.equal((await es.get('/vm/web01.example.com/status')).body.result.status, 'stopped');
  const destroyed = await es.delete('/vm/web01.example.com');
  assert.equal(destroyed.status, 200, destroyed.text);
  vm = await es.get('/vm/web01.example.com');
  assert.deepEqual([vm.body.result.status, vm.body.result.node, vm.body.result.ips], ['notcreated', null, [ip]]);

  assert.equal((await es.delete('/vm/web01.example.com/define')).status, 200);
  const gone = await es.get('/vm/web01.example.com');
  assert.deepEqual([gone.status, gone.body.detail], [404, 'VM not found']);
});

test('status actions follow Danube rules: 417 Bad action, 423 not operational, async answers without ES-STREAM', async () => {
  await defineVm(carol, 'act01');
  const notOp = await carol.set('/vm/act01/status/start');
  assert.deepEqual([notOp.status, notOp.body.detail], [423, 'VM is not operational']);
  assert.equal((await carol.create('/vm/act01')).status, 200);
  const bad = await carol.set('/vm/act01/status/start');
  assert.deepEqual([bad.status, bad.body.detail], [417, 'Bad action']);
  const pending = d.client({ apiKey: carolKey, stream: false });
  const stop = await pending.set('/vm/act01/status/stop');
  assert.equal(stop.status, 201);
  assert.equal(stop.body.status, 'PENDING');
  assert.ok(stop.headers.es_task_id);
  const st = await pending.get(`/task/${stop.body.task_id}/status`);
  assert.ok([200, 201].includes(st.status), st.text);
  for (let i = 0; i < 200 && !(await pending.get(`/task/${stop.body.task_id}/done`)).body.done; i++)
    await new Promise((r) => setTimeout(r, 50));
  const reboot = await carol.set('/vm/act01/status/reboot');
  assert.deepEqual([reboot.status, reboot.body.detail], [417, 'Bad action']);
  const freeze = await carol.set('/vm/act01/status/stop', { freeze: true });
  assert.equal(freeze.status, 403, 'only a SuperAdmin freezes');
  assert.equal((await carol.set('/vm/act01/status/start')).status, 200);
  assert.equal((await carol.get('/vm/act01/status')).body.result.status, 'running');
  assert.equal((await carol.set('/vm/act01/status/reboot')).status, 200);
  const list = await carol.get('/vm/status');
  assert.ok(list.body.result.some((s: any) => s.hostname === 'act01' && s.status === 'running'));
});

test('GET /vm/ lists hostnames or objects in order, 412 on a bad order_by; another account sees nothing', async () => {
  await defineVm(carol, 'list-b');
  await defineVm(carol, 'list-a');
  const names = (await carol.get('/vm')).body.result as string[];
  const mine = names.filter((n) => n.startsWith('list-'));
  assert.deepEqual(mine, ['list-a', 'list-b']);
  const desc = (await carol.get('/vm', { order_by: '-hostname' })).body.result as string[];
  assert.deepEqual(
    desc.filter((n) => n.startsWith('list-')),
    ['list-b', 'list-a'],
  );
  const full = await carol.get('/vm', { full: true });
  const a = full.body.result.find((v: any) => v.hostname === 'list-a');
  assert.deepEqual([a.status, a.vcpus, a.ram, a.disk, a.owner], ['notcreated', 1, 512, 10240, 'carol']);
  const defs = (await carol.get('/vm/define', { full: true })).body.result;
  const da = defs.find((x: any) => x.hostname === 'list-a');
  assert.deepEqual([da.vcpus, da.ram, da.disks.length, da.nics[0].net], [1, 512, 1, net]);
  const bad = await carol.get('/vm', { order_by: 'ram' });
  assert.deepEqual([bad.status, bad.body.detail], [412, 'Invalid order_by; Possible sort fields are: hostname']);

  assert.equal((await d.bob.get('/vm/list-a')).status, 404);
  assert.equal((await d.bob.create('/vm/list-a')).status, 404);
  assert.equal((await d.bob.delete('/vm/list-a/define')).status, 404);
  assert.equal((await d.bob.create('/vm/list-a/define/disk/2', { size: 1024 })).status, 404);
  assert.ok(!((await d.bob.get('/vm')).body.result as string[]).includes('list-a'));
  const theirs = await d.bob.create('/vm/list-a/define', { vcpus: 1, ram: 256 });
  assert.equal(theirs.status, 201, 'a host name is unique per account only');
});

test('a VM defined and deployed through es is a CloudStack VM of the same account', async () => {
  await defineVm(carol, 'cross01');
  let cs = (await carolCs.ok('listVirtualMachines', { name: 'cross01' })).virtualmachine[0];
  assert.equal(cs.state, 'Stopped');
  const es = (await carol.get('/vm/cross01')).body.result;
  assert.equal(cs.id, es.uuid);
  assert.equal((await carol.create('/vm/cross01')).status, 200);
  cs = (await carolCs.ok('listVirtualMachines', { name: 'cross01' })).virtualmachine[0];
  assert.equal(cs.state, 'Running');
  assert.equal(cs.nic[0].ipaddress, (await carol.get('/vm/cross01')).body.result.ips[0]);
  await carolCs.done('stopVirtualMachine', { id: cs.id });
  assert.equal((await carol.get('/vm/cross01/status')).body.result.status, 'stopped');
});

test('a VM defined under /dc/<dc>/ lives in that DC: other zone DCs do not see it, main does', async () => {
  const zones = (await carolCs.ok('listZones')).zone.map((z: any) => z.name);
  const [z1, z2] = zones;
  const def = await carol.create(`/dc/${z2}/vm/dc01/define`, { vcpus: 1, ram: 256 });
  assert.equal(def.status, 201, def.text);
  assert.equal(def.headers.es_dc, z2);
  assert.equal((await carol.get(`/dc/${z2}/vm/dc01`)).status, 200);
  assert.equal((await carol.get(`/dc/${z1}/vm/dc01`)).status, 404);
  assert.ok(!((await carol.get(`/dc/${z1}/vm`)).body.result as string[]).includes('dc01'));
  assert.ok(((await carol.get('/dc/main/vm')).body.result as string[]).includes('dc01'));
  const cs = (await carolCs.ok('listVirtualMachines', { name: 'dc01' })).virtualmachine[0];
  assert.equal(cs.zonename, z2);
});

test('a SuperAdmin freezes a stopped VM and unfreezes it; a frozen VM does not start', async () => {
  await defineVm(d.admin, 'frz01');
  assert.equal((await d.admin.create('/vm/frz01')).status, 200);
  const early = await d.admin.set('/vm/frz01/status/stop', { freeze: true });
  assert.deepEqual([early.status, early.body.detail], [417, 'Bad action']);
  assert.equal((await d.admin.set('/vm/frz01/status/stop')).status, 200);
  const frozen = await d.admin.set('/vm/frz01/status/stop', { freeze: true });
  assert.equal(frozen.status, 200, frozen.text);
  assert.equal(frozen.body.result.message, 'VM frz01 is already stopped. Changing status to frozen.');
  assert.equal((await d.admin.get('/vm/frz01/status')).body.result.status, 'frozen');
  const start = await d.admin.set('/vm/frz01/status/start');
  assert.deepEqual([start.status, start.body.detail], [417, 'Bad action']);
  assert.equal((await d.admin.set('/vm/frz01/status/stop', { unfreeze: true })).status, 200);
  assert.equal((await d.admin.get('/vm/frz01/status')).body.result.status, 'stopped');
});

test('a disk and a NIC are defined by the names GET /image and GET /network list; an unknown image is a FAILURE on image', async () => {
  const es = carol;
  const names = (await es.get('/image')).body.result as string[];
  const name = names.find((n) => /^Linux-/.test(n))!;
  assert.ok(name, `a Linux image among ${names.join(', ')}`);
  assert.equal((await es.create('/vm/img01.example.com/define', { vcpus: 1, ram: 512 })).status, 201);
  const disk = await es.create('/vm/img01.example.com/define/disk/1', { size: 10240, image: name });
  assert.equal(disk.status, 201, disk.text);
  const nets = (await es.get('/network')).body.result as string[];
  const nic = await es.create('/vm/img01.example.com/define/nic/1', { net: nets[0] });
  assert.equal(nic.status, 201, `${nets.join(', ')}: ${nic.text}`);
  const unknown = await es.create('/vm/img01.example.com/define/disk/2', { size: 10240, image: 'No-Such-Image' });
  assert.deepEqual(
    [unknown.status, unknown.body.result.image],
    [400, ['Object with name=No-Such-Image does not exist.']],
  );
  assert.equal((await es.delete('/vm/img01.example.com/define')).status, 200);
});
