import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, TEST_DB, type TestEnv } from '../support/runtime.js';
import { addGroup, catalog, deploy, type Catalog } from '../dialects/cloudstack/vm-fixtures.js';
import { aliceContext } from '../support/receipts.js';
import { loadVmViews } from '../../src/core/vms/model.js';
import type { VmFilter } from '../../src/core/vms/service.js';
import type { CallContext } from '../../src/lib/context.js';
import { paginate } from '../../src/lib/page.js';

let env: TestEnv;
let c: Catalog;
let ctx: CallContext;
before(async () => {
  env = await startTestEnv();
  c = await catalog(env.cs);
  ctx = await aliceContext(env, 'test:list-page');
});
after(async () => {
  await env.close();
});

/** The page a filter should give, read the plain way: every live VM of alice in created order, table by table. */
async function expected(f: VmFilter, match: (v: { name: string; state: string }) => boolean) {
  const rows = await env.rt.store.db
    .selectFrom('vms')
    .selectAll()
    .where('account_id', '=', ctx.accountId)
    .where('removed_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return paginate((await loadVmViews(env.rt.store.db, env.rt.core.catalog, rows)).filter(match), f);
}

test(`a list page on ${TEST_DB} holds exactly the VMs, NICs, secondary addresses, groups, tags and root volumes read table by table`, async () => {
  const sg = await addGroup(env, 'security_groups', 'alice', 'web');
  const ag1 = await addGroup(env, 'affinity_groups', 'alice', 'spread-b');
  const ag2 = await addGroup(env, 'affinity_groups', 'alice', 'spread-a');
  const vms = [];
  for (let i = 0; i < 7; i++) vms.push((await deploy(env.cs, c, { name: `page-${i}` })).virtualmachine);
  await deploy(env.cs, c, { name: 'grouped', securitygroupids: sg, affinitygroupids: `${ag1},${ag2}` });
  await env.cs.done('createTags', {
    resourceids: `${vms[1].id},${vms[2].id}`,
    resourcetype: 'UserVm',
    'tags[0].key': 'zeta',
    'tags[0].value': 'last',
    'tags[1].key': 'alpha',
    'tags[1].value': 'first',
  });
  const ip = (await env.cs.done('associateIpAddress', { zoneid: c.zone.id })).ipaddress;
  await env.cs.done('addIpToNic', { nicid: vms[2].nic[0].id, ipaddress: ip.ipaddress });
  await env.cs.done('stopVirtualMachine', { id: vms[3].id });
  await env.cs.done('destroyVirtualMachine', { id: vms[4].id, expunge: true });

  const cases: Array<[VmFilter, (v: { name: string; state: string }) => boolean]> = [
    [{}, () => true],
    [{ page: 1, pageSize: 3 }, () => true],
    [{ page: 3, pageSize: 3 }, () => true],
    [{ page: 9, pageSize: 3 }, () => true],
    [{ state: ['stopped'] }, (v) => v.state === 'stopped'],
    [{ keyword: 'GROUP', page: 1, pageSize: 5 }, (v) => v.name.includes('group')],
    [{ name: 'nobody' }, () => false],
  ];
  for (const [f, match] of cases) {
    const got = await env.rt.core.vms.list(ctx, f);
    assert.deepEqual(got, await expected(f, match), JSON.stringify(f));
  }
  const page = await env.rt.core.vms.list(ctx, {});
  const byName = new Map(page.items.map((v) => [v.name, v]));
  assert.equal(page.count, 7, 'seven live VMs: the expunged one is gone');
  assert.deepEqual(
    byName.get('page-1')!.tags.map((t) => t.key),
    ['alpha', 'zeta'],
    'tags in key order',
  );
  assert.deepEqual(byName.get('page-2')!.nics[0]!.secondaryIps, [
    { id: byName.get('page-2')!.nics[0]!.secondaryIps[0]!.id, ipAddress: ip.ipaddress },
  ]);
  assert.deepEqual(
    byName.get('grouped')!.affinityGroups.map((g) => g.name),
    ['spread-a', 'spread-b'],
    'affinity groups in name order',
  );
  assert.deepEqual(
    byName.get('grouped')!.securityGroups.map((g) => g.name),
    ['web'],
  );
  assert.equal(typeof byName.get('page-0')!.serial, 'number');
  assert.equal(typeof byName.get('page-0')!.rootDiskSize, 'number');
  assert.ok(byName.get('page-0')!.rootVolumeId, 'the root volume is found');
  assert.equal(byName.get('page-0')!.accountName, 'alice');
});
