import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import type { CsClient } from '../../support/cs-client.js';
import { accountId, catalog, deploy, type Catalog } from './vm-fixtures.js';

let env: TestEnv;
let bob: CsClient;
let cat: Catalog;
before(async () => {
  env = await startTestEnv();
  bob = await env.account('bob');
  cat = await catalog(env.cs);
});
after(async () => {
  await env.close();
});

async function createGroup(name: string, description?: string): Promise<any> {
  return (await env.cs.ok('createSecurityGroup', { name, description })).securitygroup;
}

async function groupById(cs: CsClient, id: string): Promise<any> {
  const r = await cs.ok('listSecurityGroups', { id });
  assert.equal(r.count, 1);
  return r.securitygroup[0];
}

test('createSecurityGroup answers the new empty group and listSecurityGroups shows it', async () => {
  const sg = await createGroup('web', 'web servers');
  assert.match(sg.id, /^[0-9a-f-]{36}$/);
  assert.equal(sg.name, 'web');
  assert.equal(sg.description, 'web servers');
  assert.equal(sg.account, 'alice');
  assert.ok(sg.domain);
  assert.deepEqual([sg.ingressrule, sg.egressrule, sg.tags], [[], [], []]);
  const listed = await groupById(env.cs, sg.id);
  assert.deepEqual(listed, sg);
  const all = await env.cs.ok('listSecurityGroups');
  assert.ok(all.securitygroup.some((g: any) => g.name === 'default' && g.description === 'Default Security Group'));
});

test('createSecurityGroup refuses a duplicate name, the reserved name default and a missing name', async () => {
  await createGroup('dup');
  const dup = await env.cs.call('createSecurityGroup', { name: 'dup' });
  assert.equal(dup.status, 431);
  assert.match(dup.body.errortext, /already exists/);
  const reserved = await env.cs.call('createSecurityGroup', { name: 'default' });
  assert.equal(reserved.status, 431);
  assert.match(reserved.body.errortext, /reserved/);
  const missing = await env.cs.call('createSecurityGroup', {});
  assert.equal(missing.status, 431);
  assert.match(missing.body.errortext, /missing parameter name/);
  const other = await bob.ok('createSecurityGroup', { name: 'dup' });
  assert.equal(other.securitygroup.account, 'bob', 'another account may use the same name');
});

test('authorizeSecurityGroupIngress adds one rule per CIDR and the job shows them with numeric ports', async () => {
  const sg = await createGroup('ssh');
  const j = await env.cs.job('authorizeSecurityGroupIngress', {
    securitygroupid: sg.id,
    protocol: 'TCP',
    startport: 22,
    endport: 22,
    cidrlist: '0.0.0.0/0,10.1.2.3/8',
    description: 'ssh in',
  });
  assert.equal(j.jobstatus, 1);
  assert.equal(j.jobresultcode, 0);
  const res = j.jobresult.securitygroup;
  assert.equal(res.id, sg.id);
  assert.equal(res.ingressrule.length, 2);
  for (const r of res.ingressrule) {
    assert.match(r.ruleid, /^[0-9a-f-]{36}$/);
    assert.equal(r.protocol, 'tcp');
    assert.equal(r.startport, 22);
    assert.equal(r.endport, 22);
    assert.equal(r.description, 'ssh in');
    assert.deepEqual(r.tags, []);
    assert.equal(r.icmptype, undefined);
  }
  assert.deepEqual(res.ingressrule.map((r: any) => r.cidr).sort(), ['0.0.0.0/0', '10.0.0.0/8']);
  const again = await env.cs.done('authorizeSecurityGroupIngress', {
    securitygroupname: 'ssh',
    protocol: 'udp',
    startport: 60000,
    endport: 61000,
  });
  assert.equal(again.securitygroup.ingressrule.length, 1, 'the job shows only the rules it added');
  assert.deepEqual(
    [again.securitygroup.ingressrule[0].cidr, again.securitygroup.ingressrule[0].endport],
    ['0.0.0.0/0', 61000],
  );
  const listed = await groupById(env.cs, sg.id);
  assert.equal(listed.ingressrule.length, 3);
  assert.deepEqual(listed.egressrule, []);
});

test('ICMP, egress and account/group rules carry their own fields', async () => {
  const sg = await createGroup('mixed');
  const icmp = (
    await env.cs.done('authorizeSecurityGroupIngress', {
      securitygroupname: 'mixed',
      protocol: 'ICMP',
      icmptype: 8,
      icmpcode: 0,
      cidrlist: '192.168.0.0/16',
    })
  ).securitygroup.ingressrule[0];
  assert.deepEqual(
    [icmp.protocol, icmp.icmptype, icmp.icmpcode, icmp.cidr, icmp.startport],
    ['icmp', 8, 0, '192.168.0.0/16', undefined],
  );
  const byNumber = (
    await env.cs.done('authorizeSecurityGroupEgress', { securitygroupid: sg.id, protocol: '17', startport: 53 })
  ).securitygroup;
  assert.deepEqual(byNumber.ingressrule, []);
  assert.deepEqual(
    [byNumber.egressrule[0].protocol, byNumber.egressrule[0].startport, byNumber.egressrule[0].endport],
    ['udp', 53, 53],
  );
  const fromGroup = (
    await env.cs.done('authorizeSecurityGroupIngress', {
      securitygroupid: sg.id,
      protocol: 'tcp',
      startport: 5432,
      'usersecuritygrouplist[0].account': 'alice',
      'usersecuritygrouplist[0].group': 'default',
    })
  ).securitygroup.ingressrule[0];
  assert.deepEqual([fromGroup.securitygroupname, fromGroup.account, fromGroup.cidr], ['default', 'alice', undefined]);
  const all = (await env.cs.done('authorizeSecurityGroupIngress', { securitygroupid: sg.id, protocol: 'all' }))
    .securitygroup.ingressrule[0];
  assert.deepEqual([all.protocol, all.startport, all.icmptype, all.cidr], ['all', undefined, undefined, '0.0.0.0/0']);
  const listed = await groupById(env.cs, sg.id);
  assert.equal(listed.ingressrule.length, 3);
  assert.equal(listed.egressrule.length, 1);
});

test('invalid rules are refused with 431 and a clear errortext, and add nothing', async () => {
  const sg = await createGroup('strict');
  const cases: Array<[Record<string, string | number>, RegExp]> = [
    [{ protocol: 'foo', startport: 22 }, /Invalid protocol foo/],
    [{ protocol: 'tcp', startport: 70000 }, /startport must be an integer between 1 and 65535/],
    [{ protocol: 'tcp', startport: 0 }, /startport must be an integer between 1 and 65535/],
    [{ protocol: 'tcp', startport: 80, endport: 79 }, /endport must be greater than or equal to startport/],
    [{ protocol: 'tcp' }, /startport is required for protocol tcp/],
    [{ protocol: 'tcp', startport: 'abc' }, /Invalid parameter startport value=abc/],
    [{ protocol: 'tcp', startport: 22, cidrlist: '10.0.0.0/33' }, /Invalid CIDR in cidrlist: 10.0.0.0\/33/],
    [{ protocol: 'tcp', startport: 22, cidrlist: 'not-a-cidr' }, /Invalid CIDR/],
    [{ protocol: 'icmp', startport: 22 }, /startport is not allowed for protocol icmp/],
    [{ protocol: 'icmp', icmptype: 300 }, /icmptype must be an integer between -1 and 255/],
    [{ protocol: 'udp', startport: 53, icmptype: 8 }, /icmptype is not allowed for protocol udp/],
    [
      {
        protocol: 'tcp',
        startport: 22,
        'usersecuritygrouplist[0].account': 'alice',
        'usersecuritygrouplist[0].group': 'nope',
      },
      /Unable to find security group nope in account alice/,
    ],
    [
      {
        protocol: 'tcp',
        startport: 22,
        'usersecuritygrouplist[0].account': 'bob',
        'usersecuritygrouplist[0].group': 'default',
      },
      /Unable to find security group default in account bob/,
    ],
    [
      { protocol: 'tcp', startport: 22, 'usersecuritygrouplist[0].group': 'default' },
      /need both an account and a group/,
    ],
  ];
  for (const [params, text] of cases) {
    for (const command of ['authorizeSecurityGroupIngress', 'authorizeSecurityGroupEgress']) {
      const r = await env.cs.call(command, { securitygroupid: sg.id, ...params });
      assert.equal(r.status, 431, `${command} ${JSON.stringify(params)}`);
      assert.equal(r.body.errorcode, 431);
      assert.match(r.body.errortext, text, JSON.stringify(params));
      assert.equal(r.body.jobid, undefined);
    }
  }
  const noGroup = await env.cs.call('authorizeSecurityGroupIngress', { protocol: 'tcp', startport: 22 });
  assert.equal(noGroup.status, 431);
  assert.match(noGroup.body.errortext, /securitygroupid or securitygroupname/);
  const both = await env.cs.call('authorizeSecurityGroupIngress', {
    securitygroupid: sg.id,
    securitygroupname: 'strict',
    protocol: 'tcp',
    startport: 22,
  });
  assert.equal(both.status, 431);
  assert.match(both.body.errortext, /mutually exclusive/);
  const listed = await groupById(env.cs, sg.id);
  assert.deepEqual([listed.ingressrule, listed.egressrule], [[], []]);
});

test('an identical rule is refused but an overlapping new CIDR is added', async () => {
  const sg = await createGroup('dedup');
  await env.cs.done('authorizeSecurityGroupIngress', {
    securitygroupid: sg.id,
    protocol: 'tcp',
    startport: 443,
    cidrlist: '0.0.0.0/0',
  });
  const dup = await env.cs.call('authorizeSecurityGroupIngress', {
    securitygroupid: sg.id,
    protocol: 'TCP',
    startport: 443,
    endport: 443,
    cidrlist: '0.0.0.0/0',
  });
  assert.equal(dup.status, 431);
  assert.match(dup.body.errortext, /already exists/);
  const partly = await env.cs.done('authorizeSecurityGroupIngress', {
    securitygroupid: sg.id,
    protocol: 'tcp',
    startport: 443,
    cidrlist: '0.0.0.0/0,172.16.0.0/12',
  });
  assert.deepEqual(
    partly.securitygroup.ingressrule.map((r: any) => r.cidr),
    ['172.16.0.0/12'],
  );
  assert.equal((await groupById(env.cs, sg.id)).ingressrule.length, 2);
});

test('revokeSecurityGroupIngress/Egress remove a rule by id; the wrong direction or an unknown id is refused', async () => {
  const sg = await createGroup('revocable');
  const inRule = (
    await env.cs.done('authorizeSecurityGroupIngress', { securitygroupid: sg.id, protocol: 'tcp', startport: 80 })
  ).securitygroup.ingressrule[0];
  const outRule = (
    await env.cs.done('authorizeSecurityGroupEgress', { securitygroupid: sg.id, protocol: 'tcp', startport: 25 })
  ).securitygroup.egressrule[0];
  const wrong = await env.cs.call('revokeSecurityGroupIngress', { id: outRule.ruleid });
  assert.equal(wrong.status, 431);
  assert.match(wrong.body.errortext, /is an egress rule, not an ingress rule/);
  const wrong2 = await env.cs.call('revokeSecurityGroupEgress', { id: inRule.ruleid });
  assert.equal(wrong2.status, 431);
  assert.match(wrong2.body.errortext, /is an ingress rule, not an egress rule/);
  const j = await env.cs.job('revokeSecurityGroupIngress', { id: inRule.ruleid });
  assert.equal(j.jobstatus, 1);
  assert.deepEqual(j.jobresult, { success: true });
  assert.deepEqual(await env.cs.done('revokeSecurityGroupEgress', { id: outRule.ruleid }), { success: true });
  const listed = await groupById(env.cs, sg.id);
  assert.deepEqual([listed.ingressrule, listed.egressrule], [[], []]);
  const gone = await env.cs.call('revokeSecurityGroupIngress', { id: inRule.ruleid });
  assert.equal(gone.status, 431);
  assert.match(gone.body.errortext, /not found/);
  const bad = await env.cs.call('revokeSecurityGroupIngress', { id: 'nope' });
  assert.equal(bad.status, 431);
  const missing = await env.cs.call('revokeSecurityGroupEgress', {});
  assert.equal(missing.status, 431);
});

test('another account cannot see or change a group: its id is not found', async () => {
  const sg = await createGroup('private');
  const rule = (
    await env.cs.done('authorizeSecurityGroupIngress', { securitygroupid: sg.id, protocol: 'tcp', startport: 22 })
  ).securitygroup.ingressrule[0];
  assert.deepEqual(await bob.ok('listSecurityGroups', { id: sg.id }), { count: 0, securitygroup: [] });
  assert.ok(!(await bob.ok('listSecurityGroups')).securitygroup.some((g: any) => g.id === sg.id));
  for (const [command, params] of [
    ['authorizeSecurityGroupIngress', { securitygroupid: sg.id, protocol: 'tcp', startport: 80 }],
    ['authorizeSecurityGroupEgress', { securitygroupid: sg.id, protocol: 'tcp', startport: 80 }],
    ['authorizeSecurityGroupIngress', { securitygroupname: 'private', protocol: 'tcp', startport: 80 }],
    ['revokeSecurityGroupIngress', { id: rule.ruleid }],
    ['deleteSecurityGroup', { id: sg.id }],
    ['deleteSecurityGroup', { name: 'private' }],
  ] as const) {
    const r = await bob.call(command, params);
    assert.equal(r.status, 431, command);
    assert.match(r.body.errortext, /not found/, command);
  }
  assert.equal((await groupById(env.cs, sg.id)).ingressrule.length, 1, 'nothing changed');
});

test('listSecurityGroups filters by name, keyword, tags and virtual machine, and pages with a total count', async () => {
  const a = await createGroup('list-alpha', 'first');
  const b = await createGroup('list-beta', 'second');
  const byName = await env.cs.ok('listSecurityGroups', { securitygroupname: 'list-beta' });
  assert.deepEqual(
    byName.securitygroup.map((g: any) => g.id),
    [b.id],
  );
  const byKeyword = await env.cs.ok('listSecurityGroups', { keyword: 'LIST-' });
  assert.deepEqual(
    byKeyword.securitygroup.map((g: any) => g.name),
    ['list-alpha', 'list-beta'],
  );
  const all = await env.cs.ok('listSecurityGroups');
  const page2 = await env.cs.ok('listSecurityGroups', { page: 2, pagesize: 1 });
  assert.equal(page2.count, all.count);
  assert.deepEqual(page2.securitygroup, [all.securitygroup[1]]);
  const owner = await accountId(env, 'alice');
  await env.rt.store.db
    .insertInto('tags')
    .values({
      id: randomUUID(),
      account_id: owner,
      resource_type: 'SecurityGroup',
      resource_id: a.id,
      key: 'env',
      value: 'prod',
      customer: null,
      created_at: new Date().toISOString(),
    })
    .execute();
  const tagged = await env.cs.ok('listSecurityGroups', { 'tags[0].key': 'env', 'tags[0].value': 'prod' });
  assert.deepEqual(
    tagged.securitygroup.map((g: any) => g.id),
    [a.id],
  );
  assert.deepEqual(
    tagged.securitygroup[0].tags.map((t: any) => [t.key, t.value, t.resourcetype]),
    [['env', 'prod', 'SecurityGroup']],
  );
  assert.deepEqual(await env.cs.ok('listSecurityGroups', { 'tags[0].key': 'env', 'tags[0].value': 'dev' }), {
    count: 0,
    securitygroup: [],
  });
  const vm = (await deploy(env.cs, cat, { securitygroupids: b.id })).virtualmachine;
  const forVm = await env.cs.ok('listSecurityGroups', { virtualmachineid: vm.id });
  assert.deepEqual(
    forVm.securitygroup.map((g: any) => g.id),
    [b.id],
  );
  const otherVm = await bob.call('listSecurityGroups', { virtualmachineid: vm.id });
  assert.equal(otherVm.status, 431);
  await env.cs.done('destroyVirtualMachine', { id: vm.id });
});

test('deleteSecurityGroup answers the string "true" and refuses default, a group in use and a group other rules name', async () => {
  const def = (await env.cs.ok('listSecurityGroups', { securitygroupname: 'default' })).securitygroup[0];
  for (const params of [{ id: def.id }, { name: 'default' }]) {
    const r = await env.cs.call('deleteSecurityGroup', params);
    assert.equal(r.status, 431);
    assert.match(r.body.errortext, /default security group cannot be deleted/);
  }
  const used = await createGroup('in-use');
  const vm = (await deploy(env.cs, cat, { securitygroupnames: 'in-use', name: 'sgvm' })).virtualmachine;
  assert.ok(vm.securitygroup.some((g: any) => g.id === used.id));
  const busy = await env.cs.call('deleteSecurityGroup', { id: used.id });
  assert.equal(busy.status, 431);
  assert.match(busy.body.errortext, /in use by virtual machine\(s\) sgvm/);
  await env.cs.done('destroyVirtualMachine', { id: vm.id });
  assert.deepEqual(await env.cs.ok('deleteSecurityGroup', { id: used.id }), { success: 'true' });
  assert.deepEqual(await env.cs.ok('listSecurityGroups', { id: used.id }), { count: 0, securitygroup: [] });

  await createGroup('source');
  const target = await createGroup('target');
  await env.cs.done('authorizeSecurityGroupIngress', {
    securitygroupid: target.id,
    protocol: 'tcp',
    startport: 3306,
    'usersecuritygrouplist[0].account': 'alice',
    'usersecuritygrouplist[0].group': 'source',
  });
  const referred = await env.cs.call('deleteSecurityGroup', { name: 'source' });
  assert.equal(referred.status, 431);
  assert.match(referred.body.errortext, /rules of security group\(s\) target refer to it/);
  assert.deepEqual(await env.cs.ok('deleteSecurityGroup', { name: 'target' }), { success: 'true' });
  assert.deepEqual(await env.cs.ok('deleteSecurityGroup', { name: 'source' }), { success: 'true' });
  assert.equal((await env.cs.ok('listSecurityGroups', { keyword: 'source' })).count, 0);

  const neither = await env.cs.call('deleteSecurityGroup', {});
  assert.equal(neither.status, 431);
  assert.match(neither.body.errortext, /Either id or name/);
  const unknown = await env.cs.call('deleteSecurityGroup', { name: 'never-was' });
  assert.equal(unknown.status, 431);
  assert.match(unknown.body.errortext, /not found/);
});

test('security group commands answer in XML too', async () => {
  const r = await env.cs.call('createSecurityGroup', { name: 'xml-group' }, { json: false });
  assert.equal(r.status, 200);
  assert.match(
    r.raw,
    /<createsecuritygroupresponse[^>]*><securitygroup><id>[0-9a-f-]{36}<\/id><name>xml-group<\/name>/,
  );
});
