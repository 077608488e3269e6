import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDanube, type DanubeEnv } from '../../support/danube.js';
import { CsClient } from '../../support/cs-client.js';
import type { EsClient } from '../../support/es-client.js';

let d: DanubeEnv;
let carol: EsClient;
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
  const cs = new CsClient(d.env.app, keys.key, keys.secret);
  net = (await cs.ok('listNetworks', { type: 'Shared' })).network[0].name;
  image = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template.find((t: any) =>
    /Linux/.test(t.name),
  ).name;
});
after(async () => {
  await d.close();
});

/** Defines a VM with one disk from the image and one NIC on the shared network. */
async function defineVm(hostname: string): Promise<void> {
  assert.equal((await carol.create(`/vm/${hostname}/define`, { vcpus: 1, ram: 512 })).status, 201);
  assert.equal((await carol.create(`/vm/${hostname}/define/disk/1`, { size: 10240, image })).status, 201);
  assert.equal((await carol.create(`/vm/${hostname}/define/nic/1`, { net })).status, 201);
}

/** The name of another node of the zone the node `current` is in. */
async function otherNode(current: string): Promise<string> {
  const hosts = await d.env.rt.core.hosts.list();
  const zone = hosts.find((h) => h.name === current)!.zone_id;
  return hosts.find((h) => h.zone_id === zone && h.name !== current)!.name;
}

test('PUT /vm/<h>/migrate/ with node moves a running VM there; it keeps running', async () => {
  await defineVm('mig01');
  assert.equal((await carol.create('/vm/mig01')).status, 200);
  const before = (await carol.get('/vm/mig01')).body.result;
  assert.equal(before.status, 'running');
  const target = await otherNode(before.node);

  const moved = await carol.set('/vm/mig01/migrate', { node: target, live: true });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.body.status, 'SUCCESS');
  const after = (await carol.get('/vm/mig01')).body.result;
  assert.deepEqual([after.node, after.status], [target, 'running']);
  const log = await carol.get('/task/log', { object_type: 'vm', object_name: 'mig01' });
  assert.ok(JSON.stringify(log.body).includes('Migrate server'), log.text);
});

test('a stopped VM migrated to a node shows that node and starts there', async () => {
  await defineVm('mig03');
  assert.equal((await carol.create('/vm/mig03')).status, 200);
  const running = (await carol.get('/vm/mig03')).body.result;
  assert.equal((await carol.set('/vm/mig03/status/stop')).status, 200);
  const target = await otherNode(running.node);
  assert.equal((await carol.set('/vm/mig03/migrate', { node: target })).status, 200);
  const stopped = (await carol.get('/vm/mig03')).body.result;
  assert.deepEqual([stopped.status, stopped.node], ['stopped', target]);
  assert.equal((await carol.set('/vm/mig03/status/start')).status, 200);
  const started = (await carol.get('/vm/mig03')).body.result;
  assert.deepEqual([started.status, started.node], ['running', target]);
});

test('migrate refusals: 404 Node not found, 423 on a VM that is not created, 409 while a move runs', async () => {
  await defineVm('mig02');
  const notCreated = await carol.set('/vm/mig02/migrate', {});
  assert.deepEqual([notCreated.status, notCreated.body.detail], [423, 'VM is not operational']);

  assert.equal((await carol.create('/vm/mig02')).status, 200);
  const unknown = await carol.set('/vm/mig02/migrate', { node: 'no-such-node.example.com' });
  assert.deepEqual([unknown.status, unknown.body.detail], [404, 'Node not found']);
  // A slow move (its graceful stop waits) holds the VM: a second migration is refused.
  const vm = (await carol.get('/vm/mig02')).body.result;
  await d.env.rt.core.hosts.addFault({ kind: 'latency', vmId: vm.uuid, value: 1500 });
  const first = await d.client({ apiKey: carolKey, stream: false }).set('/vm/mig02/migrate', {});
  assert.deepEqual([first.status, first.body.status], [201, 'PENDING']);
  const second = await carol.set('/vm/mig02/migrate', {});
  assert.deepEqual([second.status, second.body.detail], [409, 'VM has pending tasks']);
  await d.env.rt.core.hosts.clearFaults();
  for (let i = 0; i < 200 && !(await carol.get(`/task/${first.body.task_id}/done`)).body.done; i++)
    await new Promise((r) => setTimeout(r, 50));
  assert.equal((await carol.get('/vm/mig02')).body.result.status, 'running');
  const missing = await carol.set('/vm/nothere/migrate', {});
  assert.deepEqual([missing.status, missing.body.detail], [404, 'VM not found']);
});
