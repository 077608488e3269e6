import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { addGroup, addKeyPair, addTemplate, catalog, decryptPassword, deploy, type Catalog } from './vm-fixtures.js';

let env: TestEnv;
let c: Catalog;
before(async () => {
  env = await startTestEnv();
  c = await catalog(env.cs);
});
after(async () => {
  await env.close();
});

const stopped = async (params: Record<string, string | number | boolean> = {}) =>
  (await deploy(env.cs, c, { startvm: false, ...params })).virtualmachine;

test('scaleVirtualMachine needs a stopped VM and answers the VM with its new offering', async () => {
  const running = (await deploy(env.cs, c)).virtualmachine;
  const refused = await env.cs.call('scaleVirtualMachine', { id: running.id, serviceofferingid: c.small.id });
  assert.equal(refused.status, 431);
  assert.match(refused.body.errortext, /stopped/);
  await env.cs.done('stopVirtualMachine', { id: running.id });
  const first = await env.cs.ok('scaleVirtualMachine', { id: running.id, serviceofferingid: c.small.id });
  assert.ok(first.jobid);
  assert.equal(first.id, running.id);
  const vm = (await env.cs.done('scaleVirtualMachine', { id: running.id, serviceofferingid: c.small.id }))
    .virtualmachine;
  assert.equal(vm.serviceofferingid, c.small.id, 'libcloud ex_change_node_size reads virtualmachine.serviceofferingid');
  assert.equal(vm.serviceofferingname, 'Small');
  assert.equal(vm.memory, 2048);
  assert.equal(vm.cpunumber, 2);
  assert.equal(vm.state, 'Stopped');
  const started = (await env.cs.done('startVirtualMachine', { id: vm.id })).virtualmachine;
  assert.equal(started.memory, 2048);
  await env.cs.done('stopVirtualMachine', { id: vm.id });
  const mega = await env.cs.call('scaleVirtualMachine', { id: vm.id, serviceofferingid: c.mega.id });
  assert.equal(mega.status, 431);
  assert.match(mega.body.errortext, /not authorized/);
  const unknown = await env.cs.call('scaleVirtualMachine', { id: vm.id, serviceofferingid: randomUUID() });
  assert.equal(unknown.status, 431);
  const missing = await env.cs.call('scaleVirtualMachine', { id: vm.id });
  assert.match(missing.body.errortext, /missing parameter serviceofferingid/);
});

test('changeServiceForVirtualMachine answers synchronously and needs a stopped VM', async () => {
  const running = (await deploy(env.cs, c)).virtualmachine;
  const refused = await env.cs.call('changeServiceForVirtualMachine', { id: running.id, serviceofferingid: c.tiny.id });
  assert.equal(refused.status, 431);
  const vm = await stopped();
  const r = await env.cs.ok('changeServiceForVirtualMachine', { id: vm.id, serviceofferingid: c.tiny.id });
  assert.equal(r.jobid, undefined, 'a synchronous answer carries no jobid');
  assert.equal(r.virtualmachine.serviceofferingid, c.tiny.id);
  assert.equal(r.virtualmachine.serviceofferingname, 'Tiny');
  assert.equal(r.virtualmachine.memory, 1024);
  const listed = (await env.cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine[0];
  assert.equal(listed.serviceofferingname, 'Tiny');
  const mega = await env.cs.call('changeServiceForVirtualMachine', { id: vm.id, serviceofferingid: c.mega.id });
  assert.equal(mega.status, 431);
});

test('restoreVirtualMachine rebuilds from a new template and keeps the power state', async () => {
  const running = (await deploy(env.cs, c)).virtualmachine;
  const restored = (
    await env.cs.done('restoreVirtualMachine', { virtualmachineid: running.id, templateid: c.template2.id })
  ).virtualmachine;
  assert.equal(restored.templateid, c.template2.id, 'libcloud ex_restore reads virtualmachine.templateid');
  assert.equal(restored.state, 'Running');
  const cold = await stopped();
  const storage = env.rt.core.deps.storage!;
  const oldRoot = (await env.cs.ok('listVolumes', { virtualmachineid: cold.id, type: 'ROOT' })).volume[0];
  await storage.write(oldRoot.id, 0, Buffer.from('old root bytes'), Number(oldRoot.size));
  const again = (await env.cs.done('restoreVirtualMachine', { virtualmachineid: cold.id })).virtualmachine;
  const newRoot = (await env.cs.ok('listVolumes', { virtualmachineid: cold.id, type: 'ROOT' })).volume[0];
  assert.notEqual(newRoot.id, oldRoot.id, 'a restore makes a fresh root volume');
  assert.equal(await storage.has(oldRoot.id), false, "the replaced root's data is deleted");
  assert.deepEqual([...(await storage.read(newRoot.id, 0, 4))], [0, 0, 0, 0]);
  assert.equal(again.templateid, c.template.id, 'without templateid the original template is used');
  assert.equal(again.state, 'Stopped');
  const bigger = (await env.cs.done('restoreVirtualMachine', { virtualmachineid: cold.id, rootdisksize: 30 }))
    .virtualmachine;
  assert.equal(bigger.state, 'Stopped');
  const ctx = {
    accountId: bigger.domainid,
    accountName: 'alice',
    userId: null,
    isAdmin: false,
    requestId: 't',
    origin: 't',
  };
  assert.equal((await env.rt.core.vms.get(ctx, cold.id)).rootDiskSize, 30 * 1024 ** 3);
  const tooSmall = await env.cs.call('restoreVirtualMachine', { virtualmachineid: cold.id, rootdisksize: 2 });
  assert.equal(tooSmall.status, 431);
  const unknown = await env.cs.call('restoreVirtualMachine', { virtualmachineid: cold.id, templateid: randomUUID() });
  assert.equal(unknown.status, 431);
  const notReady = await addTemplate(env, 'alice', c.template, { ready: false });
  assert.equal(
    (await env.cs.call('restoreVirtualMachine', { virtualmachineid: cold.id, templateid: notReady })).status,
    431,
  );
  const elsewhere = await addTemplate(env, 'alice', c.template, { zoneId: c.zone2.id });
  const wrongZone = await env.cs.call('restoreVirtualMachine', { virtualmachineid: cold.id, templateid: elsewhere });
  assert.equal(wrongZone.status, 431);
  assert.match(wrongZone.body.errortext, /zone/);
  const bob = await env.account('bob-restore');
  assert.equal(
    (await bob.call('restoreVirtualMachine', { virtualmachineid: cold.id })).status,
    431,
    "another account's VM is not found",
  );
});

test('resetPasswordForVirtualMachine needs a stopped VM and a password-enabled template, and reveals the new password', async () => {
  await addKeyPair(env, 'alice', 'reset-key');
  const deployed = await deploy(env.cs, c, { keypair: 'reset-key' });
  const vm = deployed.virtualmachine;
  const refused = await env.cs.call('resetPasswordForVirtualMachine', { id: vm.id });
  assert.equal(refused.status, 431);
  assert.match(refused.body.errortext, /stopped/);
  await env.cs.done('stopVirtualMachine', { id: vm.id });
  const reset = (await env.cs.done('resetPasswordForVirtualMachine', { id: vm.id })).virtualmachine;
  assert.equal(typeof reset.password, 'string');
  assert.ok(reset.password.length >= 8);
  assert.notEqual(reset.password, vm.password);
  assert.equal(reset.state, 'Stopped');
  assert.equal(
    (await env.cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine[0].password,
    undefined,
    'lists never show it',
  );
  const noPw = await addTemplate(env, 'alice', c.template, { passwordEnabled: false });
  const plain = await stopped({ templateid: noPw });
  assert.equal(plain.passwordenabled, false);
  const unsupported = await env.cs.call('resetPasswordForVirtualMachine', { id: plain.id });
  assert.equal(unsupported.status, 431);
  assert.match(unsupported.body.errortext, /template/);
});

test('getVMPassword returns the password encrypted with the VM key pair', async () => {
  const privateKey: string = (await env.cs.ok('createSSHKeyPair', { name: 'pw-key' })).keypair.privatekey;
  const deployed = (await deploy(env.cs, c, { name: 'pwvm', keypair: 'pw-key' })).virtualmachine;
  assert.ok(deployed.password, 'the deploy job result reveals the password');
  const r = await env.cs.call('getVMPassword', { id: deployed.id });
  assert.equal(r.status, 200, r.raw);
  assert.deepEqual(Object.keys(JSON.parse(r.raw)), ['getvmpasswordresponse']);
  assert.deepEqual(Object.keys(r.body), ['password']);
  const encrypted = r.body.password.encryptedpassword;
  assert.match(encrypted, /^[A-Za-z0-9+/]+={0,2}$/);
  assert.equal(decryptPassword(privateKey, encrypted), deployed.password);
  await env.cs.done('stopVirtualMachine', { id: deployed.id });
  const reset = (await env.cs.done('resetPasswordForVirtualMachine', { id: deployed.id })).virtualmachine;
  const after = (await env.cs.ok('getVMPassword', { id: deployed.id })).password.encryptedpassword;
  assert.equal(decryptPassword(privateKey, after), reset.password, 'after a reset the new password is encrypted');
  const keyless = (await deploy(env.cs, c)).virtualmachine;
  assert.equal((await env.cs.call('getVMPassword', { id: keyless.id })).status, 431);
  const bob = await env.account('bob-pw');
  assert.equal((await bob.call('getVMPassword', { id: deployed.id })).status, 431);
});

test('updateVirtualMachine changes names, group, display flag, user data and security groups', async () => {
  const vm = await stopped({ name: 'before' });
  await deploy(env.cs, c, { name: 'taken' });
  const sg = await addGroup(env, 'security_groups', 'alice', 'update-sg');
  const r = await env.cs.ok('updateVirtualMachine', {
    id: vm.id,
    name: 'after',
    displayname: 'After VM',
    group: 'db',
    displayvm: false,
    userData: 'aGVsbG8=',
    securitygroupids: sg,
  });
  assert.equal(r.jobid, undefined);
  const u = r.virtualmachine;
  assert.equal(u.name, 'after');
  assert.equal(u.displayname, 'After VM');
  assert.equal(u.group, 'db');
  assert.equal(u.displayvm, false);
  assert.deepEqual(
    u.securitygroup.map((g: any) => g.name),
    ['update-sg'],
  );
  const listed = (await env.cs.ok('listVirtualMachines', { name: 'after' })).virtualmachine[0];
  assert.equal(listed.id, vm.id);
  const ctx = {
    accountId: u.domainid,
    accountName: 'alice',
    userId: null,
    isAdmin: false,
    requestId: 't',
    origin: 't',
  };
  assert.equal((await env.rt.core.vms.get(ctx, vm.id)).userData, 'aGVsbG8=', 'userData (camelCase) is accepted');
  const dup = await env.cs.call('updateVirtualMachine', { id: vm.id, name: 'taken' });
  assert.equal(dup.status, 431);
  assert.equal((await env.cs.call('updateVirtualMachine', { id: vm.id, name: 'bad_name' })).status, 431);
  assert.equal(
    (await env.cs.call('updateVirtualMachine', { id: vm.id, userdata: 'QUJD'.repeat(513) })).status,
    431,
    'GET limit',
  );
  const post = await env.cs.call(
    'updateVirtualMachine',
    { id: vm.id, userdata: 'QUJD'.repeat(4096) },
    { method: 'POST' },
  );
  assert.equal(post.status, 200, post.raw);
  assert.equal((await env.cs.call('updateVirtualMachine', { id: vm.id, securitygroupids: randomUUID() })).status, 431);
  assert.equal((await env.cs.call('updateVirtualMachine', { id: randomUUID(), name: 'x' })).status, 431);
  const same = (await env.cs.ok('updateVirtualMachine', { id: vm.id, name: 'after' })).virtualmachine;
  assert.equal(same.name, 'after', 'renaming to its own name is fine');
});
