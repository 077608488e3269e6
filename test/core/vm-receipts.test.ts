import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { aliceContext, receiptChecker } from '../support/receipts.js';
import { addNetwork, catalog, type Catalog } from '../dialects/cloudstack/vm-fixtures.js';
import type { CallContext } from '../../src/lib/context.js';
import type { Core } from '../../src/core/core.js';

let env: TestEnv;
let core: Core;
let ctx: CallContext;
let c: Catalog;

before(async () => {
  env = await startTestEnv();
  core = env.rt.core;
  c = await catalog(env.cs);
  ctx = await aliceContext(env, 'test:vm-receipts');
});
after(async () => {
  await env.close();
});

const check = receiptChecker(
  () => env,
  () => ctx,
);

/** A stopped VM of alice made from an offering, created through one checked call. */
async function offeringVm(label: string): Promise<string> {
  const { receipt } = await check(
    `${label}: vms.create`,
    () => core.vms.create(ctx, { zoneId: c.zone.id, offeringId: c.micro.id, templateId: c.template.id, start: false }),
    (r) => r.receipt,
  );
  return receipt.objectId;
}

test('VMs by offering: create, start, reboot, stop, resize, change offering, update, reset password, restore, destroy each leave one finished task', async () => {
  const id = await offeringVm('offering');
  await check('vms.start', () => core.vms.start(ctx, id));
  await check('vms.reboot', () => core.vms.reboot(ctx, id));
  await check('vms.stop', () => core.vms.stop(ctx, id, true));
  await check('vms.resize', () => core.vms.resize(ctx, id, c.tiny.id));
  const changed = await check(
    'vms.changeOffering',
    () => core.vms.changeOffering(ctx, id, c.micro.id),
    (r) => r.receipt,
  );
  assert.equal(changed.vm.id, id);
  const updated = await check(
    'vms.update',
    () => core.vms.update(ctx, id, { displayName: 'receipts' }),
    (r) => r.receipt,
  );
  assert.equal(updated.vm.displayName, 'receipts');
  await check('vms.resetPassword', () => core.vms.resetPassword(ctx, id));
  await check('vms.restore', () => core.vms.restore(ctx, id));
  await check('vms.destroy', () => core.vms.destroy(ctx, id, true));
});

test('VMs by size: create, reshape and clone each leave one finished task', async () => {
  const { receipt } = await check(
    'vms.create (size)',
    () => core.vms.create(ctx, { name: 'sized-receipts', size: { cpuMhz: 2000, memoryMb: 1024 } }),
    (r) => r.receipt,
  );
  await check('vms.reshape', () => core.vms.reshape(ctx, receipt.objectId, { name: 'sized-receipts-2' }));
  const clone = await check(
    'vms.clone',
    () => core.vms.clone(ctx, receipt.objectId, { name: 'sized-receipts-clone' }),
    (r) => r.receipt,
  );
  assert.notEqual(clone.receipt.objectId, receipt.objectId);
});

test('operator holds and traffic limits each leave one finished task of the owner', async () => {
  const id = await offeringVm('holds');
  const { serial } = await core.vms.get(ctx, id);
  await check(
    'traffic.setLimits',
    () => core.traffic.setLimits(serial, { total: 1_000_000 }),
    (r) => r.receipt,
  );
  await check(
    'vmHold.suspend',
    () => core.vmHold.suspend(serial),
    (r) => r.receipt,
  );
  await check(
    'vmHold.unsuspend',
    () => core.vmHold.unsuspend(serial),
    (r) => r.receipt,
  );
  await check(
    'vmHold.terminate',
    () => core.vmHold.terminate(serial),
    (r) => r.receipt,
  );
});

test('volumes by offering: create, attach, detach, resize, delete each leave one finished task', async () => {
  const vmId = await offeringVm('volumes');
  const offering = (await core.catalog.listDiskOfferings()).find((o) => o.customized !== 1)!;
  const created = await check('volumes.create (offering)', () =>
    core.volumes.create(ctx, { name: 'r-vol', diskOfferingId: offering.id, zoneId: c.zone.id }),
  );
  const id = created.objectId;
  await check('volumes.attach', () => core.volumes.attach(ctx, id, vmId));
  const detached = await check('volumes.detach', () => core.volumes.detach(ctx, { id }));
  assert.equal(detached.objectId, id);
  await check('volumes.resize', () =>
    core.volumes.resize(ctx, id, { diskOfferingId: offering.id, sizeGb: Number(offering.disk_size) / 2 ** 30 }),
  );
  await check('volumes.delete', () => core.volumes.delete(ctx, id));
});

test('volumes by size: create, set, clone, delete each leave one finished task', async () => {
  const made = await check(
    'volumes.create (size)',
    () => core.volumes.create(ctx, { name: 'r-drive', sizeBytes: 4 * 1024 * 1024 }),
    (r) => r.receipt,
  );
  const id = made.receipt.objectId;
  assert.equal(made.detailed.volume.id, id);
  const set = await check(
    'volumes.set',
    () => core.volumes.set(ctx, id, { name: 'r-drive-2' }),
    (r) => r.receipt,
  );
  assert.equal(set.detailed.volume.name, 'r-drive-2');
  const copy = await check(
    'volumes.clone',
    () => core.volumes.clone(ctx, id, { name: 'r-drive-copy' }),
    (r) => r.receipt,
  );
  await check('volumes.delete (copy)', () => core.volumes.delete(ctx, copy.receipt.objectId));
  await check('volumes.delete', () => core.volumes.delete(ctx, id));
});

test('NICs: add, update address, remove, activate IPv6, add and remove a secondary IP each leave one finished task', async () => {
  const vmId = await offeringVm('nics');
  const net = await addNetwork(env, 'alice', c.zone.id, { name: 'r-nics', range: ['10.0.0.10', '10.0.0.20'] });
  const added = await check('nics.add', () => core.nics.add(ctx, vmId, net));
  assert.equal(added.objectId, vmId);
  const nics = (await core.nics.list(ctx, vmId)).items;
  const second = nics.find((n) => n.networkId === net)!;
  const primary = nics.find((n) => n.id !== second.id)!;
  await check('nics.updateIp', () => core.nics.updateIp(ctx, second.id, '10.0.0.15'));
  await check('nics.remove', () => core.nics.remove(ctx, vmId, second.id));
  await check('nics.activateIp6', () => core.nics.activateIp6(ctx, primary.id));
  const ip = await core.ips.associate(ctx, { zoneId: c.zone.id });
  const { address } = await env.rt.store.db
    .selectFrom('public_ips')
    .select('address')
    .where('id', '=', ip.objectId)
    .executeTakeFirstOrThrow();
  const { secondary } = await check(
    'nics.addSecondaryIp',
    () => core.nics.addSecondaryIp(ctx, primary.id, address),
    (r) => r.receipt,
  );
  await check('nics.removeSecondaryIp', () => core.nics.removeSecondaryIp(ctx, secondary.id));
});

test("cloning a VM with drives leaves one finished task per drive copy and the clone's own task, which its receipt names", async () => {
  const drive = await core.volumes.create(ctx, { name: 'r-clone-src', sizeBytes: 4 * 1024 * 1024 });
  const { receipt } = await core.vms.create(ctx, {
    name: 'drives-receipts',
    size: {},
    drives: [{ deviceId: 0, volumeId: drive.receipt.objectId }],
  });
  await env.rt.core.deps.tasks.wait(receipt.taskId, 10_000);
  const db = env.rt.store.db;
  const before = new Set((await db.selectFrom('tasks').select('id').execute()).map((t) => t.id));
  const clone = await core.vms.clone(ctx, receipt.objectId, { name: 'drives-receipts-clone' });
  await env.rt.core.deps.tasks.wait(clone.receipt.taskId, 10_000);
  const added = (await db.selectFrom('tasks').selectAll().execute()).filter((t) => !before.has(t.id));
  const copies = added.filter((t) => t.object_type === 'volume');
  assert.equal(copies.length, 1, 'one drive copy, one task');
  assert.deepEqual(
    added.filter((t) => t.object_type !== 'volume').map((t) => [t.id, t.object_id, t.status]),
    [[clone.receipt.taskId, clone.receipt.objectId, 'SUCCESS']],
  );
  assert.ok(added.every((t) => t.status === 'SUCCESS'));
});
