import { test, before, after } from 'node:test';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { catalog, deploy, type Catalog } from '../dialects/cloudstack/vm-fixtures.js';
import { generateKeyPair } from '../../src/core/ssh-keys/crypto.js';
import { aliceContext, receiptChecker } from '../support/receipts.js';
import type { CallContext } from '../../src/lib/context.js';
import type { Core } from '../../src/core/core.js';

let env: TestEnv;
let core: Core;
let ctx: CallContext;
let c: Catalog;
let vmId: string;
let rootVolumeId: string;

before(async () => {
  env = await startTestEnv();
  core = env.rt.core;
  c = await catalog(env.cs);
  ctx = await aliceContext(env, 'test:receipts');
  const vm = (await deploy(env.cs, c)).virtualmachine;
  await env.cs.done('stopVirtualMachine', { id: vm.id });
  vmId = vm.id;
  rootVolumeId = (await env.cs.ok('listVolumes', { virtualmachineid: vm.id, type: 'ROOT' })).volume[0].id;
});
after(async () => {
  await env.close();
});

const once = receiptChecker(
  () => env,
  () => ctx,
);

test('networks and tags: create, update, tag, untag, delete each leave one finished task', async () => {
  const { network } = await once(
    'networks.create',
    () => core.networks.create(ctx, { zoneId: c.zone.id, name: 'r-net', displayText: 'r' }),
    (r) => r.receipt,
  );
  await once('networks.update', () => core.networks.update(ctx, network.id, { name: 'r-net2' }));
  await once('tags.create', () =>
    core.tags.create(ctx, { resourceIds: [network.id], resourceType: 'Network', tags: [{ key: 'k', value: 'v' }] }),
  );
  await once('tags.delete', () => core.tags.delete(ctx, { resourceIds: [network.id], resourceType: 'Network' }));
  await once('networks.delete', () => core.networks.delete(ctx, network.id));
});

test('public IPs: associate, update, disassociate each leave one finished task', async () => {
  const ip = await once('ips.associate', () => core.ips.associate(ctx, { zoneId: c.zone.id }));
  await once('ips.update', () => core.ips.update(ctx, ip.objectId, { mode: 'tcp', port: 22 }));
  await once('ips.disassociate', () => core.ips.disassociate(ctx, ip.objectId));
});

test('security groups: create, authorize, revoke, delete each leave one finished task', async () => {
  const { group } = await once(
    'firewalls.create',
    () => core.firewalls.create(ctx, { name: 'r-sg' }),
    (r) => r.receipt,
  );
  const { ruleIds } = await once(
    'firewalls.authorize',
    () =>
      core.firewalls.authorize(
        ctx,
        'ingress',
        { id: group.id },
        { protocol: 'tcp', startPort: 22, endPort: 22, cidrs: ['0.0.0.0/0'] },
      ),
    (r) => r.receipt,
  );
  await once('firewalls.revoke', () => core.firewalls.revoke(ctx, 'ingress', ruleIds[0]!));
  await once('firewalls.delete', () => core.firewalls.delete(ctx, { id: group.id }));
});

test('SSH keys: create, register, reset on a VM, delete each leave one finished task', async () => {
  await once(
    'sshKeys.create',
    () => core.sshKeys.create(ctx, 'r-key'),
    (r) => r.receipt,
  );
  const pair = await generateKeyPair('r-key2');
  await once(
    'sshKeys.register',
    () => core.sshKeys.register(ctx, 'r-key2', pair.publicKey),
    (r) => r.receipt,
  );
  await once('sshKeys.resetForVm', () => core.sshKeys.resetForVm(ctx, vmId, 'r-key2'));
  await once('sshKeys.delete', () => core.sshKeys.delete(ctx, 'r-key'));
});

test('templates: register and delete each leave one finished task', async () => {
  const t = await once('templates.register', () =>
    core.templates.register(ctx, {
      name: 'r-tpl',
      displayText: 'r',
      zoneId: c.zone.id,
      url: 'http://example.invalid/r.qcow2',
      checksum: '0123456789abcdef0123456789abcdef',
    }),
  );
  await once('templates.delete', () => core.templates.delete(ctx, t.objectId));
});

test("affinity groups: create, change a VM's groups, delete each leave one finished task", async () => {
  const { group } = await once(
    'affinity.create',
    () => core.affinity.create(ctx, { name: 'r-aff' }),
    (r) => r.receipt,
  );
  await once('affinity.updateVmGroups (join)', () => core.affinity.updateVmGroups(ctx, vmId, { ids: [group.id] }));
  await once('affinity.updateVmGroups (leave)', () => core.affinity.updateVmGroups(ctx, vmId, { ids: [] }));
  await once('affinity.delete', () => core.affinity.delete(ctx, { id: group.id }));
});

test('server groups: create, update, add, remove, delete each leave one finished task', async () => {
  const { group } = await once(
    'serverGroups.create',
    () => core.serverGroups.create(ctx, { name: 'r-sg' }),
    (r) => r.receipt,
  );
  await once(
    'serverGroups.update',
    () => core.serverGroups.update(ctx, group.id, { description: 'd' }),
    (r) => r.receipt,
  );
  await once(
    'serverGroups.add',
    () => core.serverGroups.add(ctx, group.id, [vmId]),
    (r) => r.receipt,
  );
  await once(
    'serverGroups.remove',
    () => core.serverGroups.remove(ctx, group.id, [vmId]),
    (r) => r.receipt,
  );
  await once('serverGroups.delete', () => core.serverGroups.delete(ctx, group.id));
});

test('snapshots: create and revert (tasks that run) and delete (synchronous) each leave one finished task', async () => {
  const snap = await once('snapshots.create', () => core.snapshots.create(ctx, rootVolumeId, 'r-snap'));
  await once('snapshots.revert', () => core.snapshots.revert(ctx, snap.objectId));
  await once('snapshots.delete', () => core.snapshots.delete(ctx, snap.objectId));
});

test('billing and quotas: subscribe, extend, credit and set limits each leave one finished task of the account', async () => {
  await once(
    'billing.credit',
    () => core.billing.credit('alice', '1000'),
    (r) => r.receipt,
  );
  const start = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const bought = await once(
    'billing.subscribe (VLAN)',
    () => core.billing.subscribe(ctx, 'vlan', { quantities: { vlan: 1 }, start, months: 1 }),
    (r) => r.receipt,
  );
  await once(
    'billing.subscribe (IP)',
    () => core.billing.subscribe(ctx, 'ip', { quantities: { ip: 1 }, start, months: 1 }),
    (r) => r.receipt,
  );
  await once(
    'billing.extend',
    () => core.billing.extend(ctx, bought.subscriptions[0]!.id, 1),
    (r) => r.receipt,
  );
  await once('quotas.set', () => core.quotas.set('alice', { vms: 50 }));
  await once(
    'quotas.setByAdmin',
    () => core.quotas.setByAdmin({ ...ctx, isAdmin: true }, undefined, 'vms', null),
    (r) => r.receipt,
  );
});
