/** POST /admin/reset: every account but admin gone with its objects and bytes, the catalog seeded again, admin's credentials kept or issued anew, running tasks cancelled. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { CsClient } from '../../support/cs-client.js';
import { aliceContext } from '../../support/receipts.js';
import { catalog } from '../cloudstack/vm-fixtures.js';

let env: TestEnv;
let adminCs: CsClient;
let adminAuth: string;

before(async () => {
  env = await startTestEnv();
  const a = await env.rt.core.accounts.createAccount('admin', {
    admin: true,
    email: 'admin@nube.local',
    password: 'admin-password',
  });
  adminAuth = basic('admin@nube.local', 'admin-password');
  adminCs = new CsClient(env.app, a.credentials['api-key-pair'].key, a.credentials['api-key-pair'].secret);
});
after(async () => {
  await env.close();
});

function basic(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

async function reset(body: unknown = {}, authorization = adminAuth) {
  return env.app.inject({ method: 'POST', url: '/admin/reset', payload: body as object, headers: { authorization } });
}

/** A running VM of the client's account with bytes written to its root volume; returns the VM and volume ids. */
async function vmWithBytes(cs: CsClient, accountName: string): Promise<{ vm: string; volume: string }> {
  const c = await catalog(cs);
  const vm = (
    await cs.done('deployVirtualMachine', {
      zoneid: c.zone.id,
      serviceofferingid: c.micro.id,
      templateid: c.template.id,
    })
  ).virtualmachine.id as string;
  const ctx = { ...(await aliceContext(env, 'test:reset')), accountName };
  const acct = await env.rt.core.accounts.accountByName(accountName);
  const vols = await env.rt.core.volumes.list({ ...ctx, accountId: acct.id }, { vmId: vm });
  const volume = vols.items[0]!.id;
  await env.rt.core.volumes.write({ ...ctx, accountId: acct.id }, volume, 4096, Buffer.from('bytes to be wiped'));
  return { vm, volume };
}

test('a reset deletes every other account with its VMs, volumes and bytes, keeps admin and its credentials, and seeds a fresh catalog with the same stable ids', async () => {
  const bob = await env.account('bob');
  const { volume } = await vmWithBytes(bob, 'bob');
  await bob.ok('createSSHKeyPair', { name: 'k1' });
  assert.ok(await env.rt.core.deps.storage!.has(volume));
  const zonesBefore = (await adminCs.ok('listZones')).zone.map((z: any) => z.id);
  const r = await reset();
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().admin, 'kept');
  assert.equal(r.json().credentials, undefined);
  const accounts = await env.rt.core.accounts.listAccounts();
  assert.deepEqual(
    accounts.map((a) => a.name),
    ['admin'],
  );
  assert.equal(await env.rt.core.deps.storage!.has(volume), false, 'the volume bytes are gone from disk');
  assert.deepEqual(await env.rt.core.deps.storage!.files(), []);
  assert.equal((await bob.call('listVirtualMachines')).status, 401, 'a deleted account key is refused');
  const vms = await adminCs.ok('listVirtualMachines');
  assert.equal(vms.count ?? 0, 0);
  const zones = (await adminCs.ok('listZones')).zone;
  assert.equal(zones.length, zonesBefore.length, 'the catalog is seeded again');
  assert.deepEqual(
    zones.map((z: any) => z.id),
    zonesBefore,
    'with the same stable ids (a test suite may hard-code them)',
  );
  assert.equal((await env.app.inject({ url: '/admin/hosts', headers: { authorization: adminAuth } })).statusCode, 200);
  // The fresh catalog works: admin deploys through it.
  const c = await catalog(adminCs);
  const vm = await adminCs.done('deployVirtualMachine', {
    zoneid: c.zone.id,
    serviceofferingid: c.micro.id,
    templateid: c.template.id,
  });
  assert.equal(vm.virtualmachine.state, 'Running');
});

test('a reset with credentials issues admin new ones, shown once in the answer; the old ones stop working', async () => {
  const r = await reset({ credentials: true });
  assert.equal(r.statusCode, 200, r.body);
  const body = r.json();
  assert.equal(body.admin, 'issued');
  const cred = body.credentials;
  assert.equal(cred.account, 'admin');
  assert.equal(cred.email, 'admin@nube.local');
  assert.ok(cred.password && cred.cloudstack.key && cred.cloudstack.secret && cred.rest.token && cred.cvm.private);
  assert.equal((await adminCs.call('listZones')).status, 401, 'the old key pair is refused');
  assert.equal((await reset({}, adminAuth)).statusCode, 401, 'the old password is refused');
  adminAuth = basic('admin@nube.local', cred.password);
  adminCs = new CsClient(env.app, cred.cloudstack.key, cred.cloudstack.secret);
  assert.equal((await adminCs.call('listZones')).status, 200);
  assert.equal((await reset({}, adminAuth)).json().admin, 'kept');
});

test('a reset cancels a running task first; the engine goes on working afterwards', async () => {
  const c = await catalog(adminCs);
  const vm = (
    await adminCs.done('deployVirtualMachine', {
      zoneid: c.zone.id,
      serviceofferingid: c.micro.id,
      templateid: c.template.id,
      startvm: false,
    })
  ).virtualmachine.id;
  await env.rt.core.hosts.addFault({ kind: 'latency', value: 60_000, count: -1 });
  const start = await adminCs.ok('startVirtualMachine', { id: vm });
  for (let i = 0; i < 400; i++) {
    const t = await env.rt.store.db
      .selectFrom('tasks')
      .select('status')
      .where('id', '=', start.jobid)
      .executeTakeFirst();
    if (t?.status === 'STARTED') break;
    await new Promise((res) => setTimeout(res, 25));
  }
  const r = await reset();
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().cancelled_tasks, 1);
  assert.deepEqual(await env.rt.core.hosts.listFaults(), [], 'sim faults are reset too');
  const left = await env.rt.store.db.selectFrom('tasks').select('id').execute();
  assert.deepEqual(left, []);
  const again = await catalog(adminCs);
  const next = await adminCs.done('deployVirtualMachine', {
    zoneid: again.zone.id,
    serviceofferingid: again.micro.id,
    templateid: again.template.id,
  });
  assert.equal(next.virtualmachine.state, 'Running');
});

test('a fault the reset removed stops applying at once, though the driver had just read it', async () => {
  const driver = env.rt.core.deps.driver!;
  await env.rt.core.hosts.addFault({ kind: 'host_unreachable', count: -1 });
  assert.ok((await driver.unreachableHosts()).length > 0, 'the fault applies before the reset');
  const r = await reset();
  assert.equal(r.statusCode, 200, r.body);
  assert.deepEqual(await driver.unreachableHosts(), [], 'hosts stayed unreachable after the reset');
});

test('a reset needs admin credentials and a well-formed body', async () => {
  assert.equal((await reset({}, basic('admin@nube.local', 'wrong'))).statusCode, 401);
  const bad = await reset({ credentials: 'yes' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error, /credentials must be true or false/);
});
