import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRest, type RestEnv } from '../../support/rest.js';
import { catalog, type Catalog } from '../cloudstack/vm-fixtures.js';

let r: RestEnv;
let c: Catalog;
before(async () => {
  r = await startRest();
  c = await catalog(r.env.cs);
});
after(async () => {
  await r.close();
});

/** A VM of bob's made through the core from the catalog, as the VPS route does. */
async function bobVm(name: string, securityGroupIds?: string[]): Promise<string> {
  const ctx = await r.ctxOf('bob');
  const made = await r.env.rt.core.vms.create(ctx, {
    name,
    zoneId: c.zone.id,
    offeringId: c.micro.id,
    templateId: c.template.id,
    securityGroupIds,
  });
  return made.receipt.objectId;
}

/** The names of the security groups CloudStack shows on a VM. */
async function groupsOf(vmId: string): Promise<string[]> {
  const vm = await r.env.rt.core.vms.get(await r.ctxOf('bob'), vmId);
  return vm.securityGroups.map((g) => g.name).sort();
}

const web = {
  name: 'web',
  description: 'front end',
  rules: [
    { name: 'https', direction: 'inbound', protocol: 'tcp', port: 443, order: 20, description: 'TLS' },
    {
      name: 'ssh-office',
      direction: 'inbound',
      protocol: 'tcp',
      port_range_start: 22,
      port_range_end: 22,
      source_ips: ['203.0.113.0/24', '2001:db8::/32'],
      order: 10,
    },
    { name: 'block-smtp', direction: 'outbound', protocol: 'tcp', port: 25, action: 'deny', order: 30 },
    { name: 'ping', direction: 'inbound', protocol: 'icmp', order: 20 },
    { direction: 'outbound', protocol: 'any' },
  ],
};

test('create returns the firewall with its rules as sent, in order then submission; show and list agree', async () => {
  const made = await r.req('POST', '/firewalls', { token: r.bobToken, body: web });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  assert.equal(made.json.message, 'Firewall created successfully');
  const fw = made.json.firewall;
  assert.equal(fw.name, 'web');
  assert.equal(fw.description, 'front end');
  assert.equal(fw.status, 'draft');
  assert.equal(fw.is_default, false);
  assert.equal(fw.default_action, 'deny');
  assert.equal(typeof fw.team_id, 'number');
  assert.deepEqual(
    fw.rules.map((x: any) => [x.name, x.order, x.direction, x.protocol, x.action]),
    [
      [null, 5, 'outbound', 'any', 'allow'],
      ['ssh-office', 10, 'inbound', 'tcp', 'allow'],
      ['https', 20, 'inbound', 'tcp', 'allow'],
      ['ping', 20, 'inbound', 'icmp', 'allow'],
      ['block-smtp', 30, 'outbound', 'tcp', 'deny'],
    ],
  );
  const ssh = fw.rules[1];
  assert.deepEqual([ssh.port_range_start, ssh.port_range_end], [22, 22]);
  assert.deepEqual(ssh.source_ips, ['203.0.113.0/24', '2001:db8::/32']);
  const https = fw.rules[2];
  assert.deepEqual([https.port_range_start, https.port_range_end, https.description], [443, 443, 'TLS']);
  assert.deepEqual(https.source_ips, ['0.0.0.0/0', '::/0']);
  assert.deepEqual([fw.rules[3].port_range_start, fw.rules[3].port_range_end], [null, null]);

  const shown = await r.req('GET', `/firewalls/${fw.id}`, { token: r.bobToken });
  assert.equal(shown.status, 200);
  assert.deepEqual(shown.json.firewall, fw);
  const list = await r.req('GET', '/firewalls?per_page=100', { token: r.bobToken });
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.json.data.find((f: any) => f.id === fw.id),
    fw,
  );
  assert.ok(
    list.json.data.some((f: any) => f.name === 'default'),
    "the account's CloudStack default group is listed",
  );
  assert.equal(list.json.pagination.total, list.json.data.length);

  // CloudStack sees the same group, one rule per source CIDR.
  const sg = await r.env.rt.core.firewalls.get(await r.ctxOf('bob'), fw.id);
  assert.equal(sg.ingress.length, 2 + 2 + 2);
  assert.ok(sg.ingress.some((x) => x.cidr === '203.0.113.0/24' && x.startPort === 22));
  assert.ok(sg.egress.some((x) => x.protocol === 'all'));
  assert.ok(!sg.egress.some((x) => x.startPort === 25), 'a deny rule is not shown to CloudStack as an allow');
});

test('update renames and replaces the rules; deploy makes it active and leaves a task', async () => {
  const made = await r.req('POST', '/firewalls', { token: r.bobToken, body: { name: 'db', rules: null } });
  assert.equal(made.status, 201);
  assert.deepEqual(made.json.firewall.rules, []);
  assert.equal(made.json.firewall.description, null);
  const id = made.json.firewall.id;
  const up = await r.req('PUT', `/firewalls/${id}`, {
    token: r.bobToken,
    body: {
      name: 'db-new',
      description: 'postgres',
      rules: [{ name: 'pg', direction: 'inbound', protocol: 'tcp', port: 5432, source_ips: ['10.0.0.0/8'] }],
    },
  });
  assert.equal(up.status, 200, JSON.stringify(up.json));
  assert.equal(up.json.message, 'Firewall updated successfully');
  assert.equal(up.json.firewall.name, 'db-new');
  assert.equal(up.json.firewall.description, 'postgres');
  assert.deepEqual(
    up.json.firewall.rules.map((x: any) => [x.name, x.order, x.port_range_start, x.source_ips]),
    [['pg', 1, 5432, ['10.0.0.0/8']]],
  );
  const nameOnly = await r.req('PUT', `/firewalls/${id}`, { token: r.bobToken, body: { name: 'db-2' } });
  assert.equal(nameOnly.json.firewall.rules.length, 1, 'rules stay when not given');

  const dep = await r.req('POST', `/firewalls/${id}/deploy`, { token: r.bobToken });
  assert.equal(dep.status, 200);
  assert.equal(dep.json.message, 'Firewall deployment initiated');
  const after = await r.req('GET', `/firewalls/${id}`, { token: r.bobToken });
  assert.equal(after.json.firewall.status, 'active');
  const log = await r.env.rt.core.tasks.log(await r.ctxOf('bob'), { objectId: id }, { page: 1, pageSize: 100 });
  assert.ok(
    log.items.some((e) => e.action === 'sync.deploy' && e.origin === 'rest:firewalls/deploy'),
    JSON.stringify(log.items.map((e) => [e.action, e.origin])),
  );
});

test('attach and detach link a VPS, visible as its security group; an attached firewall cannot be deleted', async () => {
  const vmId = await bobVm('fw-vm');
  const made = await r.req('POST', '/firewalls', { token: r.bobToken, body: { name: 'app' } });
  const id = made.json.firewall.id;
  const att = await r.req('POST', `/firewalls/${id}/attach`, {
    token: r.bobToken,
    body: { instance_type: 'vps', instance_id: vmId },
  });
  assert.equal(att.status, 200, JSON.stringify(att.json));
  assert.equal(att.json.message, 'Firewall attachment initiated');
  assert.ok((await groupsOf(vmId)).includes('app'));
  const listed = await r.bobCs.ok('listVirtualMachines', { id: vmId });
  const vmGroups = listed.virtualmachine[0].securitygroup.map((g: any) => g.name);
  assert.ok(vmGroups.includes('app'), JSON.stringify(vmGroups));

  const del = await r.req('DELETE', `/firewalls/${id}`, { token: r.bobToken });
  assert.equal(del.status, 422);
  assert.match(del.json.error, /attached/);

  const other = await r.req('POST', `/firewalls/${id}/attach`, {
    token: r.bobToken,
    body: { instance_type: 'database', instance_id: vmId },
  });
  assert.equal(other.status, 422);
  assert.deepEqual(other.json.errors.instance_type, ['The selected instance type is invalid.']);

  const det = await r.req('POST', `/firewalls/${id}/detach`, {
    token: r.bobToken,
    body: { instance_type: 'vps', instance_id: vmId },
  });
  assert.equal(det.status, 200);
  assert.equal(det.json.message, 'Firewall detached successfully');
  assert.ok(!(await groupsOf(vmId)).includes('app'));
  const again = await r.req('POST', `/firewalls/${id}/detach`, {
    token: r.bobToken,
    body: { instance_type: 'vps', instance_id: vmId },
  });
  assert.equal(again.status, 422);
  assert.ok(again.json.errors.instance_id);

  const withVm = await r.req('POST', '/firewalls', {
    token: r.bobToken,
    body: { name: 'born-attached', attached_instances: [{ id: vmId, type: 'vps' }] },
  });
  assert.equal(withVm.status, 201);
  assert.ok((await groupsOf(vmId)).includes('born-attached'));
  const ghost = await r.req('POST', '/firewalls', {
    token: r.bobToken,
    body: { name: 'ghost', attached_instances: [{ id: 'no-such-vm', type: 'vps' }] },
  });
  assert.equal(ghost.status, 404);
  const names = (await r.req('GET', '/firewalls?per_page=100', { token: r.bobToken })).json.data.map(
    (f: any) => f.name,
  );
  assert.ok(!names.includes('ghost'), 'a firewall whose instance is missing is not created');

  const gone = await r.req('DELETE', `/firewalls/${id}`, { token: r.bobToken });
  assert.equal(gone.status, 200);
  assert.equal(gone.json.message, 'Firewall deleted successfully');
  assert.equal((await r.req('GET', `/firewalls/${id}`, { token: r.bobToken })).status, 404);
});

test("another account's firewall and VPS are not found", async () => {
  const mine = await r.req('POST', '/firewalls', { body: { name: 'admins-own' } });
  assert.equal(mine.status, 201);
  const id = mine.json.firewall.id;
  for (const [method, path, body] of [
    ['GET', `/firewalls/${id}`, undefined],
    ['PUT', `/firewalls/${id}`, { name: 'x' }],
    ['DELETE', `/firewalls/${id}`, undefined],
    ['POST', `/firewalls/${id}/deploy`, undefined],
  ] as const) {
    const a = await r.req(method, path, { token: r.bobToken, body });
    assert.equal(a.status, 404, `${method} ${path}`);
    assert.equal(a.json.message, 'Firewall not found.');
  }
  assert.equal((await r.req('GET', '/firewalls/not-a-uuid', { token: r.bobToken })).status, 404);
  const vmId = await bobVm('bobs-vm');
  const att = await r.req('POST', `/firewalls/${id}/attach`, { body: { instance_type: 'vps', instance_id: vmId } });
  assert.equal(att.status, 404);
  assert.equal(att.json.message, 'VPS instance not found.');
});

test('scopes: read-only tokens cannot write, write tokens cannot delete', async () => {
  const reader = await r.tokenFor(['firewall:read']);
  const writer = await r.tokenFor(['firewall:read', 'firewall:write']);
  assert.equal((await r.req('GET', '/firewalls', { token: reader })).status, 200);
  const refused = await r.req('POST', '/firewalls', { token: reader, body: { name: 'nope' } });
  assert.equal(refused.status, 403);
  assert.equal(refused.json.message, 'Insufficient permissions to write firewalls');
  const made = await r.req('POST', '/firewalls', { token: writer, body: { name: 'scoped' } });
  assert.equal(made.status, 201);
  const id = made.json.firewall.id;
  assert.equal((await r.req('POST', `/firewalls/${id}/deploy`, { token: reader })).status, 403);
  const del = await r.req('DELETE', `/firewalls/${id}`, { token: writer });
  assert.equal(del.status, 403);
  assert.equal(del.json.message, 'Insufficient permissions to delete firewalls');
  const none = await r.tokenFor(['vps:read']);
  assert.equal((await r.req('GET', '/firewalls', { token: none })).status, 403);
});

test('bad rules are refused with 422 naming the field', async () => {
  const bad = async (rule: Record<string, unknown>) => {
    const a = await r.req('POST', '/firewalls', {
      token: r.bobToken,
      body: { name: 'bad', rules: [{ direction: 'inbound', protocol: 'tcp', port: 80 }, rule] },
    });
    assert.equal(a.status, 422, JSON.stringify(rule));
    return Object.keys(a.json.errors);
  };
  assert.deepEqual(await bad({ direction: 'inbound', protocol: 'tcp', port: 80, source_ips: ['10.0.0.0/33'] }), [
    'rules.1.source_ips',
  ]);
  assert.deepEqual(await bad({ direction: 'inbound', protocol: 'tcp', port: 80, source_ips: ['not-an-ip'] }), [
    'rules.1.source_ips',
  ]);
  assert.deepEqual(await bad({ direction: 'inbound', protocol: 'sctp', port: 80 }), ['rules.1.protocol']);
  assert.deepEqual(await bad({ direction: 'sideways', protocol: 'tcp' }), ['rules.1.direction']);
  assert.deepEqual(await bad({ direction: 'inbound', protocol: 'tcp', port: 70000 }), ['rules.1.port']);
  assert.deepEqual(await bad({ direction: 'inbound', protocol: 'tcp', port_range_start: 0 }), [
    'rules.1.port_range_start',
  ]);
  assert.deepEqual(await bad({ direction: 'inbound', protocol: 'udp', port_range_start: 2000, port_range_end: 1000 }), [
    'rules.1.port_range_end',
  ]);
  assert.deepEqual(await bad({ direction: 'inbound', protocol: 'icmp', port: 22 }), ['rules.1.port']);
  const twice = await r.req('POST', '/firewalls', { token: r.bobToken, body: { name: 'web' } });
  assert.equal(twice.status, 422);
  assert.deepEqual(twice.json.errors, { name: ['The name has already been taken.'] });
  const noName = await r.req('POST', '/firewalls', { token: r.bobToken, body: { rules: [] } });
  assert.equal(noName.status, 422);
  assert.ok(noName.json.errors.name);
  const list = await r.req('GET', '/firewalls?per_page=100', { token: r.bobToken });
  assert.ok(!list.json.data.some((f: any) => f.name === 'bad'), 'nothing was created');
});

test('createDefaultFor: a VM made with its default firewall is listed with SSH and ICMP rules, in use', async () => {
  const ctx = await r.ctxOf('bob');
  const core = r.env.rt.core;
  const fwId = await core.firewalls.createDefaultFor(ctx, 'edge');
  const vmId = await bobVm('edge', [fwId]);
  assert.deepEqual(await groupsOf(vmId), ['edge-default']);
  const shown = await r.req('GET', `/firewalls/${fwId}`, { token: r.bobToken });
  const fw = shown.json.firewall;
  assert.equal(fw.is_default, true);
  assert.equal(fw.status, 'active');
  assert.equal(fw.default_action, 'deny');
  assert.deepEqual(
    fw.rules.map((x: any) => [x.direction, x.protocol, x.port_range_start, x.action, x.source_ips]),
    [
      ['inbound', 'tcp', 22, 'allow', ['0.0.0.0/0', '::/0']],
      ['inbound', 'icmp', null, 'allow', ['0.0.0.0/0', '::/0']],
    ],
  );
  const del = await r.req('DELETE', `/firewalls/${fwId}`, { token: r.bobToken });
  assert.equal(del.status, 422);
  // A second VM of the same name later gets its own default firewall.
  const second = await core.firewalls.createDefaultFor(ctx, 'edge');
  assert.notEqual(second, fwId);
  assert.equal((await core.firewalls.firewall(ctx, second)).name, 'edge-default-2');
  const sized = await core.vms.create(ctx, { name: 'edge-sized', size: {}, securityGroupIds: [second] });
  assert.deepEqual(await groupsOf(sized.receipt.objectId), ['edge-default-2'], 'a VM made by size takes it too');
  // VPS creation with only vps:write may make it.
  const vpsOnly = { ...ctx, permissions: new Set(['vps:write']) };
  const third = await core.firewalls.createDefaultFor(vpsOnly, 'edge3');
  // ...and take it back when the VM could not be made, while other firewalls stay out of its reach.
  await core.firewalls.discardDefault(vpsOnly, third);
  assert.equal((await r.req('GET', `/firewalls/${third}`, { token: r.bobToken })).status, 404);
  const plain = await r.req('POST', '/firewalls', { token: r.bobToken, body: { name: 'plain' } });
  await assert.rejects(
    async () => core.firewalls.discardDefault(vpsOnly, plain.json.firewall.id),
    /not a default firewall/,
  );
  await assert.rejects(async () => core.firewalls.delete(vpsOnly, plain.json.firewall.id), /Insufficient permissions/);
});
