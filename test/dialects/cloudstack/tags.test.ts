import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import type { CsClient } from '../../support/cs-client.js';
import { deployVm, fails, netCatalog, type NetCatalog } from './network-fixtures.js';

let env: TestEnv;
let c: NetCatalog;
let bob: CsClient;
before(async () => {
  env = await startTestEnv();
  c = await netCatalog(env.cs);
  bob = await env.account('bob');
});
after(async () => {
  await env.close();
});

const tagMap = (tags: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(tags).flatMap(([k, v], i) => [
      [`tags[${i}].key`, k],
      [`tags[${i}].value`, v],
    ]),
  );
const keysOf = async (cs: CsClient, id: string) =>
  (await cs.ok('listTags', { resourceid: id })).tag.map((t: any) => t.key).sort();

test('createTags tags a VM, listTags lists the tags and the VM shows them', async () => {
  const vm = await deployVm(env.cs, c);
  const first = await env.cs.ok('createTags', {
    resourceids: vm.id,
    resourcetype: 'UserVm',
    ...tagMap({ env: 'conformance', owner: 'harness' }),
  });
  assert.ok(first.jobid);
  const done = await env.cs.ok('queryAsyncJobResult', { jobid: first.jobid });
  assert.equal(done.jobstatus, 1);
  assert.deepEqual(done.jobresult, { success: true });
  const listed = await env.cs.ok('listTags', { resourceid: vm.id, resourcetype: 'UserVm' });
  assert.equal(listed.count, 2);
  const env1 = listed.tag.find((t: any) => t.key === 'env');
  assert.deepEqual(
    { ...env1, domainid: undefined },
    {
      key: 'env',
      value: 'conformance',
      resourceid: vm.id,
      resourcetype: 'UserVm',
      account: 'alice',
      domain: 'ROOT',
      domainid: undefined,
    },
  );
  const shown = (await env.cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine[0].tags;
  assert.deepEqual(shown.map((t: any) => `${t.key}=${t.value}`).sort(), ['env=conformance', 'owner=harness']);
});

test('listVirtualMachines filters by tags[0].key and tags[0].value', async () => {
  const tagged = await deployVm(env.cs, c);
  const plain = await deployVm(env.cs, c);
  await env.cs.done('createTags', { resourceids: tagged.id, resourcetype: 'uservm', ...tagMap({ env: 'x' }) });
  const hit = await env.cs.ok('listVirtualMachines', { 'tags[0].key': 'env', 'tags[0].value': 'x' });
  assert.deepEqual(
    hit.virtualmachine.map((v: any) => v.id),
    [tagged.id],
  );
  assert.equal(hit.count, 1);
  assert.ok(!hit.virtualmachine.some((v: any) => v.id === plain.id));
  assert.equal((await env.cs.ok('listVirtualMachines', { 'tags[0].key': 'env', 'tags[0].value': 'y' })).count, 0);
  assert.equal((await bob.ok('listVirtualMachines', { 'tags[0].key': 'env', 'tags[0].value': 'x' })).count, 0);
});

test('createTags refuses duplicate keys, unknown resources, wrong types and incomplete maps', async () => {
  const vm = await deployVm(env.cs, c);
  await env.cs.done('createTags', { resourceids: vm.id, resourcetype: 'UserVm', ...tagMap({ role: 'web' }) });
  await fails(
    env.cs,
    'createTags',
    { resourceids: vm.id, resourcetype: 'UserVm', ...tagMap({ role: 'db' }) },
    431,
    /already has a tag with key role/,
  );
  await fails(
    env.cs,
    'createTags',
    {
      resourceids: vm.id,
      resourcetype: 'UserVm',
      'tags[0].key': 'a',
      'tags[0].value': '1',
      'tags[1].key': 'a',
      'tags[1].value': '2',
    },
    431,
    /twice/,
  );
  await fails(
    env.cs,
    'createTags',
    { resourceids: '00000000-0000-4000-8000-000000000000', resourcetype: 'UserVm', ...tagMap({ a: '1' }) },
    431,
    /not found/,
  );
  await fails(
    env.cs,
    'createTags',
    { resourceids: vm.id, resourcetype: 'Volume', ...tagMap({ a: '1' }) },
    431,
    /volume .* not found/,
  );
  await fails(
    env.cs,
    'createTags',
    { resourceids: vm.id, resourcetype: 'Spaceship', ...tagMap({ a: '1' }) },
    431,
    /cannot be tagged/,
  );
  await fails(env.cs, 'createTags', { resourceids: vm.id, resourcetype: 'UserVm' }, 431, /missing parameter tags/);
  await fails(
    env.cs,
    'createTags',
    { resourceids: vm.id, resourcetype: 'UserVm', 'tags[0].key': 'lonely' },
    431,
    /value is required/,
  );
  await fails(
    env.cs,
    'createTags',
    { resourcetype: 'UserVm', ...tagMap({ a: '1' }) },
    431,
    /missing parameter resourceids/,
  );
  const other = await deployVm(env.cs, c);
  await fails(
    env.cs,
    'createTags',
    { resourceids: `${other.id},${vm.id}`, resourcetype: 'UserVm', ...tagMap({ role: 'x' }) },
    431,
    /already has/,
  );
  assert.deepEqual(await keysOf(env.cs, other.id), [], 'a refused createTags tags none of the resources');
  await fails(
    env.cs,
    'createTags',
    { resourceids: vm.id, resourcetype: 'UserVm', ...tagMap({ [''.padEnd(256, 'k')]: 'v' }) },
    431,
    /at most 255/,
  );
});

test('deleteTags removes the named keys, a key with its value, or every tag', async () => {
  const vm = await deployVm(env.cs, c);
  await env.cs.done('createTags', {
    resourceids: vm.id,
    resourcetype: 'UserVm',
    ...tagMap({ a: '1', b: '2', c: '3', d: '4' }),
  });
  assert.deepEqual(
    await env.cs.done('deleteTags', { resourceids: vm.id, resourcetype: 'UserVm', 'tags[0].key': 'a' }),
    { success: true },
  );
  assert.deepEqual(await keysOf(env.cs, vm.id), ['b', 'c', 'd']);
  await fails(
    env.cs,
    'deleteTags',
    { resourceids: vm.id, resourcetype: 'UserVm', 'tags[0].key': 'b', 'tags[0].value': 'wrong' },
    431,
    /not found/,
  );
  assert.deepEqual(await keysOf(env.cs, vm.id), ['b', 'c', 'd'], 'a value mismatch deletes nothing');
  await env.cs.done('deleteTags', {
    resourceids: vm.id,
    resourcetype: 'UserVm',
    'tags[0].key': 'b',
    'tags[0].value': '2',
  });
  assert.deepEqual(await keysOf(env.cs, vm.id), ['c', 'd']);
  await env.cs.done('deleteTags', { resourceids: vm.id, resourcetype: 'UserVm' });
  assert.deepEqual(await keysOf(env.cs, vm.id), []);
  await fails(env.cs, 'deleteTags', { resourceids: vm.id, resourcetype: 'UserVm' }, 431, /not found/);
  await fails(env.cs, 'deleteTags', { resourceids: vm.id }, 431, /missing parameter resourcetype/);
});

test('listTags filters by type, key, value, customer and keyword, and pages', async () => {
  const ip = (await env.cs.done('associateIpAddress', { zoneid: c.zone.id })).ipaddress;
  await env.cs.done('createTags', {
    resourceids: ip.id,
    resourcetype: 'PublicIpAddress',
    customer: 'acme',
    ...tagMap({ team: 'blue', tier: 'gold' }),
  });
  const all = await env.cs.ok('listTags');
  assert.equal(all.count, all.tag.length);
  const byType = await env.cs.ok('listTags', { resourcetype: 'publicipaddress' });
  assert.deepEqual(byType.tag.map((t: any) => t.key).sort(), ['team', 'tier']);
  assert.ok(byType.tag.every((t: any) => t.resourcetype === 'PublicIpAddress' && t.customer === 'acme'));
  assert.deepEqual(
    (await env.cs.ok('listTags', { key: 'team' })).tag.map((t: any) => t.value),
    ['blue'],
  );
  assert.equal((await env.cs.ok('listTags', { value: 'gold' })).count, 1);
  assert.equal((await env.cs.ok('listTags', { customer: 'acme' })).count, 2);
  assert.equal((await env.cs.ok('listTags', { keyword: 'GOL' })).count, 1);
  const page = await env.cs.ok('listTags', { resourceid: ip.id, page: 2, pagesize: 1 });
  assert.equal(page.count, 2);
  assert.equal(page.tag.length, 1);
  assert.deepEqual(
    (await env.cs.ok('listPublicIpAddresses', { id: ip.id })).publicipaddress[0].tags.map((t: any) => t.key),
    ['team', 'tier'],
  );
  assert.deepEqual(
    (await env.cs.ok('listPublicIpAddresses', { 'tags[0].key': 'team' })).publicipaddress.map((x: any) => x.id),
    [ip.id],
  );
  await fails(env.cs, 'listTags', { resourcetype: 'Spaceship' }, 431, /cannot be tagged/);
  await env.cs.done('disassociateIpAddress', { id: ip.id });
  assert.equal((await env.cs.ok('listTags', { resourceid: ip.id })).count, 0, 'tags go with their resource');
});

test('networks and templates can be tagged too', async () => {
  const net = (await env.cs.ok('createNetwork', { zoneid: c.zone.id, name: 'n1', displaytext: 'n1' })).network;
  await env.cs.done('createTags', { resourceids: net.id, resourcetype: 'Network', ...tagMap({ env: 'prod' }) });
  assert.deepEqual(
    (await env.cs.ok('listNetworks', { id: net.id })).network[0].tags.map((t: any) => t.value),
    ['prod'],
  );
  const shared = (await env.cs.ok('listNetworks', { type: 'Shared' })).network[0];
  await fails(
    env.cs,
    'createTags',
    { resourceids: shared.id, resourcetype: 'Network', ...tagMap({ env: 'prod' }) },
    431,
    /not found/,
  );
  const tpl = (
    await env.cs.done('registerCustomTemplate', {
      zoneid: c.zone.id,
      name: 't',
      displaytext: 't',
      url: 'https://example.com/t.qcow2',
      checksum: '0123456789abcdef0123456789abcdef',
    })
  ).template[0];
  await env.cs.done('createTags', { resourceids: tpl.id, resourcetype: 'Template', ...tagMap({ os: 'debian' }) });
  assert.equal((await env.cs.ok('listTags', { resourcetype: 'Template' })).tag[0].resourceid, tpl.id);
  await fails(
    env.cs,
    'createTags',
    { resourceids: c.template.id, resourcetype: 'Template', ...tagMap({ os: 'x' }) },
    431,
    /not found/,
  );
});

test("bob can neither see nor touch alice's tags", async () => {
  const vm = await deployVm(env.cs, c);
  await env.cs.done('createTags', { resourceids: vm.id, resourcetype: 'UserVm', ...tagMap({ secret: 'yes' }) });
  assert.deepEqual(await bob.ok('listTags'), { count: 0, tag: [] });
  assert.deepEqual(await bob.ok('listTags', { resourceid: vm.id }), { count: 0, tag: [] });
  await fails(
    bob,
    'createTags',
    { resourceids: vm.id, resourcetype: 'UserVm', ...tagMap({ mine: 'no' }) },
    431,
    /not found/,
  );
  await fails(bob, 'deleteTags', { resourceids: vm.id, resourcetype: 'UserVm' }, 431, /not found/);
  assert.deepEqual(await keysOf(env.cs, vm.id), ['secret']);
});
