/** Reverse DNS of a defined VM (records set through CloudStack): a NIC removed or re-addressed through Danube's define API takes its records with it. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDanube, type DanubeEnv } from '../../support/danube.js';
import { CsClient } from '../../support/cs-client.js';
import type { EsClient } from '../../support/es-client.js';

let d: DanubeEnv;
let carol: EsClient;
let carolCs: CsClient;
let net: string;

before(async () => {
  d = await startDanube();
  const c = await d.env.rt.core.accounts.createAccount('carol', { password: 'carol-password-1' });
  carol = d.client();
  assert.equal((await carol.login('carol', 'carol-password-1')).status, 200);
  carolCs = new CsClient(d.env.app, c.credentials['api-key-pair'].key, c.credentials['api-key-pair'].secret);
  net = (await carolCs.ok('listNetworks', { type: 'Shared' })).network[0].name;
});
after(async () => {
  await d.close();
});

const ptr = (address: string) => d.env.rt.core.reverseDns.ptr(address);

/** Defines a VM with NIC 1 on the shared network; its id and that NIC's address. */
async function defineVm(hostname: string): Promise<{ id: string; ip: string }> {
  assert.equal((await carol.create(`/vm/${hostname}/define`, { vcpus: 1, ram: 512 })).status, 201);
  const nic = await carol.create(`/vm/${hostname}/define/nic/1`, { net });
  assert.equal(nic.status, 201, nic.text);
  const vm = (await carolCs.ok('listVirtualMachines', { name: hostname })).virtualmachine[0];
  return { id: vm.id, ip: nic.body.result.ip };
}

test('removing the default NIC of a defined VM removes its record; the NIC that takes its place has none', async () => {
  const vm = await defineVm('rdns01.example.com');
  await carolCs.ok('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'rdns01.example.com' });
  assert.equal((await ptr(vm.ip))?.name, 'rdns01.example.com');
  assert.equal((await carol.delete('/vm/rdns01.example.com/define/nic/1')).status, 200);
  assert.equal(await ptr(vm.ip), undefined);
  const again = await carol.create('/vm/rdns01.example.com/define/nic/1', { net });
  assert.equal(again.status, 201, again.text);
  const q = await carolCs.ok('queryReverseDnsForVirtualMachine', { id: vm.id });
  assert.deepEqual(q.virtualmachine.nic[0].reversedns, []);
});

test('a new address for the NIC removes the record of the old one', async () => {
  const vm = await defineVm('rdns02.example.com');
  await carolCs.ok('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'rdns02.example.com' });
  const parts = vm.ip.split('.').map(Number);
  const wanted = [...parts.slice(0, 3), parts[3]! >= 250 ? parts[3]! - 3 : parts[3]! + 3].join('.');
  const set = await carol.set('/vm/rdns02.example.com/define/nic/1', { ip: wanted });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.body.result.ip, wanted);
  assert.equal(await ptr(vm.ip), undefined);
  assert.equal(await ptr(wanted), undefined);
  const q = await carolCs.ok('queryReverseDnsForVirtualMachine', { id: vm.id });
  assert.deepEqual(q.virtualmachine.nic[0].reversedns, []);
  await carolCs.ok('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'rdns02.example.com' });
  assert.equal((await ptr(wanted))?.name, 'rdns02.example.com');
});

test('a VM without a default NIC has no record and refuses one', async () => {
  assert.equal((await carol.create('/vm/rdns03.example.com/define', { vcpus: 1, ram: 512 })).status, 201);
  const vm = (await carolCs.ok('listVirtualMachines', { name: 'rdns03.example.com' })).virtualmachine[0];
  const q = await carolCs.ok('queryReverseDnsForVirtualMachine', { id: vm.id });
  assert.deepEqual(q.virtualmachine, { id: vm.id, nic: [] });
  const r = await carolCs.call('updateReverseDnsForVirtualMachine', { id: vm.id, domainname: 'rdns03.example.com' });
  assert.equal(r.status, 431, r.raw);
  assert.match(r.body.errortext, /no public address/);
  assert.deepEqual(await carolCs.ok('deleteReverseDnsFromVirtualMachine', { id: vm.id }), { success: true });
});
