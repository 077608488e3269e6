import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';

let env: TestEnv;
before(async () => {
  env = await startTestEnv();
});
after(async () => {
  await env.close();
});

async function catalog() {
  const zone = (await env.cs.ok('listZones')).zone[0];
  const offering = (await env.cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
  const template = (await env.cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  return { zone, offering, template };
}

test('deploy, stop, start, reboot and destroy a VM through async jobs', async () => {
  const { zone, offering, template } = await catalog();
  const res = await env.cs.done('deployVirtualMachine', {
    zoneid: zone.id,
    serviceofferingid: offering.id,
    templateid: template.id,
    name: 'web1',
  });
  const vm = res.virtualmachine;
  assert.equal(vm.state, 'Running');
  assert.equal(vm.name, 'web1');
  assert.ok(vm.nic[0].ipaddress);
  assert.ok(vm.password, 'password-enabled template reveals the password in the deploy result');
  assert.equal((await env.cs.done('stopVirtualMachine', { id: vm.id })).virtualmachine.state, 'Stopped');
  assert.equal((await env.cs.done('startVirtualMachine', { id: vm.id })).virtualmachine.state, 'Running');
  assert.equal((await env.cs.done('rebootVirtualMachine', { id: vm.id })).virtualmachine.state, 'Running');
  const listed = await env.cs.ok('listVirtualMachines', { id: vm.id });
  assert.equal(listed.count, 1);
  await env.cs.done('destroyVirtualMachine', { id: vm.id });
  const after = await env.cs.ok('listVirtualMachines', { id: vm.id });
  assert.deepEqual(after, { count: 0, virtualmachine: [] });
});

test('start of a running VM is refused with a CloudStack error', async () => {
  const { zone, offering, template } = await catalog();
  const vm = (
    await env.cs.done('deployVirtualMachine', {
      zoneid: zone.id,
      serviceofferingid: offering.id,
      templateid: template.id,
    })
  ).virtualmachine;
  const r = await env.cs.call('startVirtualMachine', { id: vm.id });
  assert.equal(r.status, 431);
  assert.match(r.body.errortext, /running/);
});

test('XML is the default response format', async () => {
  const r = await env.cs.call('listZones', {}, { json: false });
  assert.equal(r.status, 200);
  assert.match(r.contentType, /xml/);
  assert.match(r.raw, /<listzonesresponse[^>]*><count>2<\/count><zone>/);
});
