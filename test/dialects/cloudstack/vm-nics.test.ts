import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { addFault, clearFaults } from '../../../src/drivers/compute/sim/faults.js';
import { addNetwork, catalog, deploy, finish, type Catalog } from './vm-fixtures.js';

let env: TestEnv;
let c: Catalog;
before(async () => {
  env = await startTestEnv();
  c = await catalog(env.cs);
});
after(async () => {
  await env.close();
});

/** The sim driver reads its fault table at most every 100 ms. */
const SIM_FAULT_CACHE_MS = 150;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const nicOn = (vm: any, networkId: string) => vm.nic.find((n: any) => n.networkid === networkId);

test('addNicToVirtualMachine leases the next address of a managed private network, on a running or stopped VM', async () => {
  const net = await addNetwork(env, 'alice', c.zone.id, { name: 'priv-a', range: ['10.0.0.10', '10.0.0.20'] });
  const running = (await deploy(env.cs, c)).virtualmachine;
  const first = await env.cs.ok('addNicToVirtualMachine', { virtualmachineid: running.id, networkid: net });
  assert.ok(first.jobid);
  assert.equal(first.id, running.id);
  const vm = (await finish(env.cs, first.jobid)).virtualmachine;
  assert.equal(vm.state, 'Running');
  assert.equal(vm.nic.length, 2);
  const nic = nicOn(vm, net);
  assert.equal(nic.ipaddress, '10.0.0.10');
  assert.equal(nic.isdefault, false);
  assert.equal(nic.netmask, '255.255.255.0');
  assert.notEqual(nic.macaddress, vm.nic[0].macaddress);
  const cold = (await deploy(env.cs, c, { startvm: false })).virtualmachine;
  const added = (await env.cs.done('addNicToVirtualMachine', { virtualmachineid: cold.id, networkid: net }))
    .virtualmachine;
  assert.equal(added.state, 'Stopped');
  assert.equal(nicOn(added, net).ipaddress, '10.0.0.11');
  const again = await env.cs.call('addNicToVirtualMachine', { virtualmachineid: cold.id, networkid: net });
  assert.equal(again.status, 431, 'a network is attached once');
  assert.match(again.body.errortext, /already/);
});

test('addNicToVirtualMachine with ipaddress takes that address; taken or out-of-range addresses are refused', async () => {
  const net = await addNetwork(env, 'alice', c.zone.id, { name: 'priv-b', range: ['10.0.1.10', '10.0.1.20'] });
  const a = (await deploy(env.cs, c)).virtualmachine;
  const b = (await deploy(env.cs, c)).virtualmachine;
  const vm = (
    await env.cs.done('addNicToVirtualMachine', { virtualmachineid: a.id, networkid: net, ipaddress: '10.0.1.15' })
  ).virtualmachine;
  assert.equal(nicOn(vm, net).ipaddress, '10.0.1.15');
  const taken = await env.cs.call('addNicToVirtualMachine', {
    virtualmachineid: b.id,
    networkid: net,
    ipaddress: '10.0.1.15',
  });
  assert.equal(taken.status, 431);
  assert.match(taken.body.errortext, /in use/);
  const outside = await env.cs.call('addNicToVirtualMachine', {
    virtualmachineid: b.id,
    networkid: net,
    ipaddress: '10.0.1.99',
  });
  assert.equal(outside.status, 431);
  const garbage = await env.cs.call('addNicToVirtualMachine', {
    virtualmachineid: b.id,
    networkid: net,
    ipaddress: 'ten',
  });
  assert.equal(garbage.status, 431);
  const listed = (await env.cs.ok('listVirtualMachines', { id: b.id })).virtualmachine[0];
  assert.equal(listed.nic.length, 1, 'refused calls leave no NIC behind');
});

test('unmanaged private networks give the NIC no address; foreign, remote and unknown networks are refused', async () => {
  const plain = await addNetwork(env, 'alice', c.zone.id, { name: 'priv-plain' });
  const vm = (await deploy(env.cs, c)).virtualmachine;
  const withIp = await env.cs.call('addNicToVirtualMachine', {
    virtualmachineid: vm.id,
    networkid: plain,
    ipaddress: '10.0.0.5',
  });
  assert.equal(withIp.status, 431);
  const added = (await env.cs.done('addNicToVirtualMachine', { virtualmachineid: vm.id, networkid: plain }))
    .virtualmachine;
  const nic = nicOn(added, plain);
  assert.ok(nic);
  assert.equal(nic.ipaddress, undefined);
  const remote = await addNetwork(env, 'alice', c.zone2.id, { name: 'priv-remote', range: ['10.0.2.10', '10.0.2.20'] });
  const wrongZone = await env.cs.call('addNicToVirtualMachine', { virtualmachineid: vm.id, networkid: remote });
  assert.equal(wrongZone.status, 431);
  assert.match(wrongZone.body.errortext, /zone/);
  await env.account('bob-net');
  const foreign = await addNetwork(env, 'bob-net', c.zone.id, { name: 'bob-priv', range: ['10.0.3.10', '10.0.3.20'] });
  assert.equal(
    (await env.cs.call('addNicToVirtualMachine', { virtualmachineid: vm.id, networkid: foreign })).status,
    431,
  );
  assert.equal(
    (await env.cs.call('addNicToVirtualMachine', { virtualmachineid: vm.id, networkid: randomUUID() })).status,
    431,
  );
  const shared = vm.nic[0].networkid;
  assert.equal(
    (await env.cs.call('addNicToVirtualMachine', { virtualmachineid: vm.id, networkid: shared })).status,
    431,
  );
  const missing = await env.cs.call('addNicToVirtualMachine', { virtualmachineid: vm.id });
  assert.match(missing.body.errortext, /missing parameter networkid/);
});

test('removeNicFromVirtualMachine frees the address; the default NIC cannot be removed', async () => {
  const net = await addNetwork(env, 'alice', c.zone.id, { name: 'priv-c', range: ['10.0.4.10', '10.0.4.20'] });
  const a = (await deploy(env.cs, c)).virtualmachine;
  const b = (await deploy(env.cs, c, { startvm: false })).virtualmachine;
  const withNic = (
    await env.cs.done('addNicToVirtualMachine', { virtualmachineid: a.id, networkid: net, ipaddress: '10.0.4.12' })
  ).virtualmachine;
  const nic = nicOn(withNic, net);
  const def = await env.cs.call('removeNicFromVirtualMachine', { virtualmachineid: a.id, nicid: withNic.nic[0].id });
  assert.equal(def.status, 431);
  assert.match(def.body.errortext, /default/);
  const wrongVm = await env.cs.call('removeNicFromVirtualMachine', { virtualmachineid: b.id, nicid: nic.id });
  assert.equal(wrongVm.status, 431, 'the NIC must belong to the VM');
  const removed = (await env.cs.done('removeNicFromVirtualMachine', { virtualmachineid: a.id, nicid: nic.id }))
    .virtualmachine;
  assert.equal(removed.nic.length, 1);
  assert.equal(removed.state, 'Running');
  const reused = (
    await env.cs.done('addNicToVirtualMachine', { virtualmachineid: b.id, networkid: net, ipaddress: '10.0.4.12' })
  ).virtualmachine;
  assert.equal(nicOn(reused, net).ipaddress, '10.0.4.12', 'the address is free again');
  const gone = await env.cs.call('removeNicFromVirtualMachine', { virtualmachineid: a.id, nicid: nic.id });
  assert.equal(gone.status, 431);
});

test('updateVmNicIp moves or drops the lease of a NIC on a managed private network', async () => {
  const net = await addNetwork(env, 'alice', c.zone.id, { name: 'priv-d', range: ['10.0.5.10', '10.0.5.20'] });
  const a = (await deploy(env.cs, c)).virtualmachine;
  const b = (await deploy(env.cs, c)).virtualmachine;
  const nic = nicOn(
    (await env.cs.done('addNicToVirtualMachine', { virtualmachineid: a.id, networkid: net })).virtualmachine,
    net,
  );
  assert.equal(nic.ipaddress, '10.0.5.10');
  const first = await env.cs.ok('updateVmNicIp', { nicid: nic.id, ipaddress: '10.0.5.18' });
  assert.ok(first.jobid);
  assert.equal(first.id, a.id);
  const moved = await env.cs.ok('listVirtualMachines', { id: a.id });
  assert.equal(nicOn(moved.virtualmachine[0], net).ipaddress, '10.0.5.18');
  const other = (
    await env.cs.done('addNicToVirtualMachine', { virtualmachineid: b.id, networkid: net, ipaddress: '10.0.5.10' })
  ).virtualmachine;
  assert.equal(nicOn(other, net).ipaddress, '10.0.5.10', 'the old address was released');
  const taken = await env.cs.call('updateVmNicIp', { nicid: nic.id, ipaddress: '10.0.5.10' });
  assert.equal(taken.status, 431);
  assert.equal((await env.cs.call('updateVmNicIp', { nicid: nic.id, ipaddress: '10.9.9.9' })).status, 431);
  const same = (await env.cs.done('updateVmNicIp', { nicid: nic.id, ipaddress: '10.0.5.18' })).virtualmachine;
  assert.equal(nicOn(same, net).ipaddress, '10.0.5.18', 'keeping its own address is fine');
  const dropped = (await env.cs.done('updateVmNicIp', { nicid: nic.id })).virtualmachine;
  assert.equal(nicOn(dropped, net).ipaddress, undefined);
  const back = (await env.cs.done('updateVmNicIp', { nicid: nic.id, ipaddress: '10.0.5.18' })).virtualmachine;
  assert.equal(nicOn(back, net).ipaddress, '10.0.5.18', 'after the drop the address was free');
  const shared = await env.cs.call('updateVmNicIp', { nicid: a.nic[0].id, ipaddress: '100.64.0.200' });
  assert.equal(shared.status, 431, 'the shared default NIC keeps its zone address');
  assert.equal((await env.cs.call('updateVmNicIp', { nicid: randomUUID() })).status, 431);
  const bob = await env.account('bob-nicip');
  assert.equal((await bob.call('updateVmNicIp', { nicid: nic.id, ipaddress: '10.0.5.19' })).status, 431);
});

test('a NIC whose hot-plug fails on the host is not left on the VM', async () => {
  const net = await addNetwork(env, 'alice', c.zone.id, { name: 'priv-e', range: ['10.0.6.10', '10.0.6.20'] });
  const vm = (await deploy(env.cs, c)).virtualmachine;
  const fault = await addFault(env.rt.store.db, { kind: 'host_unreachable', vmId: vm.id });
  await sleep(SIM_FAULT_CACHE_MS);
  try {
    const j = await env.cs.job('addNicToVirtualMachine', { virtualmachineid: vm.id, networkid: net });
    assert.equal(j.jobstatus, 2);
    assert.match(j.jobresult.errortext, /unreachable/);
  } finally {
    await clearFaults(env.rt.store.db, fault.id);
    await sleep(SIM_FAULT_CACHE_MS);
  }
  const listed = (await env.cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine[0];
  assert.equal(listed.nic.length, 1);
  const retry = (
    await env.cs.done('addNicToVirtualMachine', { virtualmachineid: vm.id, networkid: net, ipaddress: '10.0.6.10' })
  ).virtualmachine;
  assert.equal(nicOn(retry, net).ipaddress, '10.0.6.10', 'the lease of the failed NIC was released');
});
