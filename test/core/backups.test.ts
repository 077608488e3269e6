import { test, before, after } from 'node:test';
import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { aliceContext, receiptChecker } from '../support/receipts.js';
import { catalog, type Catalog } from '../dialects/cloudstack/vm-fixtures.js';
import type { CallContext } from '../../src/lib/context.js';
import type { Core } from '../../src/core/core.js';
import type { TaskReceipt } from '../../src/core/receipt.js';
import { CoreError } from '../../src/lib/errors.js';

let env: TestEnv;
let core: Core;
let ctx: CallContext;
let bobCtx: CallContext;
let c: Catalog;

before(async () => {
  env = await startTestEnv();
  core = env.rt.core;
  c = await catalog(env.cs);
  ctx = await aliceContext(env, 'test:backups');
  await env.account('bob');
  const bob = await env.rt.store.db
    .selectFrom('accounts')
    .select(['id', 'name'])
    .where('name', '=', 'bob')
    .executeTakeFirstOrThrow();
  bobCtx = { ...ctx, accountId: bob.id, accountName: bob.name };
});
after(async () => {
  await env.close();
});

/** Waits for the receipt's task and asserts it succeeded. */
async function done(receipt: TaskReceipt): Promise<void> {
  const task = await core.deps.tasks.wait(receipt.taskId, 10_000);
  assert.equal(task?.status, 'SUCCESS', task?.error ?? 'task did not finish');
}

/** A stopped VM of alice and its root volume id. */
async function stoppedVm(): Promise<{ id: string; root: string }> {
  const { receipt } = await core.vms.create(ctx, {
    zoneId: c.zone.id,
    offeringId: c.micro.id,
    templateId: c.template.id,
    start: false,
  });
  await done(receipt);
  const vols = await core.volumes.list(ctx, { vmId: receipt.objectId });
  return { id: receipt.objectId, root: vols.items[0]!.id };
}

async function rejects(call: () => Promise<unknown>, kind: string, reason: string): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof CoreError, String(err));
    assert.equal(`${err.kind}/${err.reason}`, `${kind}/${reason}`, err.message);
    return true;
  });
}

const ORIGINAL = Buffer.from('the original bytes of the disk, backed up');
const OFFSET = 1024 * 1024;

test('a backup keeps the disk bytes: overwrite, restore, read the original back; restore onto another VM too', async () => {
  const a = await stoppedVm();
  const b = await stoppedVm();
  await core.volumes.write(ctx, a.root, OFFSET, ORIGINAL);

  const receipt = await core.backups.create(ctx, a.id, { diskIndex: 1, name: 'before-upgrade', note: 'first' });
  assert.equal((await core.backups.get(ctx, receipt.objectId)).state, 'creating');
  await done(receipt);
  const bkp = await core.backups.get(ctx, receipt.objectId);
  assert.equal(bkp.state, 'ok');
  assert.equal(bkp.name, 'before-upgrade');
  assert.equal(bkp.note, 'first');
  assert.equal(bkp.vmId, a.id);
  assert.equal(bkp.diskIndex, 1);
  assert.equal(bkp.definitionId, null);
  const rootSize = (await core.volumes.get(ctx, a.root)).size;
  assert.equal(bkp.size, rootSize);

  const junk = Buffer.alloc(ORIGINAL.length, 0x5a);
  await core.volumes.write(ctx, a.root, OFFSET, junk);
  assert.deepEqual(await core.volumes.read(ctx, a.root, OFFSET, junk.length), junk);

  await done(await core.backups.restore(ctx, bkp.id, { targetVmId: a.id, targetDiskIndex: 1 }));
  assert.deepEqual(await core.volumes.read(ctx, a.root, OFFSET, ORIGINAL.length), ORIGINAL);
  assert.equal((await core.backups.get(ctx, bkp.id)).state, 'ok');

  assert.deepEqual(await core.volumes.read(ctx, b.root, OFFSET, ORIGINAL.length), Buffer.alloc(ORIGINAL.length));
  await done(await core.backups.restore(ctx, bkp.id, { targetVmId: b.id, targetDiskIndex: 1 }));
  assert.deepEqual(await core.volumes.read(ctx, b.root, OFFSET, ORIGINAL.length), ORIGINAL);
  // The backup is its own copy: changing the restored disks leaves it as it was.
  await core.volumes.write(ctx, a.root, OFFSET, junk);
  await done(await core.backups.restore(ctx, bkp.id, { targetVmId: a.id, targetDiskIndex: 1 }));
  assert.deepEqual(await core.volumes.read(ctx, a.root, OFFSET, ORIGINAL.length), ORIGINAL);
});

test('restore needs the target VM stopped; names are unique per VM; bad disks and other accounts are refused', async () => {
  const a = await stoppedVm();
  const receipt = await core.backups.create(ctx, a.id, { diskIndex: 1, name: 'nightly' });
  await done(receipt);
  await rejects(() => core.backups.create(ctx, a.id, { diskIndex: 1, name: 'nightly' }), 'Conflict', 'exists');
  await rejects(() => core.backups.create(ctx, a.id, { diskIndex: 2, name: 'other' }), 'Invalid', 'bad_input');
  await rejects(() => core.backups.create(ctx, a.id, { diskIndex: 1, name: '../x' }), 'Invalid', 'bad_input');
  await rejects(
    () => core.backups.create(ctx, a.id, { diskIndex: 1, name: 'x', defName: 'nope' }),
    'NotFound',
    'object',
  );

  await done(await core.vms.start(ctx, a.id));
  await rejects(
    () => core.backups.restore(ctx, receipt.objectId, { targetVmId: a.id, targetDiskIndex: 1 }),
    'Conflict',
    'wrong_state',
  );
  // A running VM's disk can be backed up.
  await done(await core.backups.create(ctx, a.id, { diskIndex: 1, name: 'live' }));
  await done(await core.vms.stop(ctx, a.id, true));

  await rejects(() => core.backups.get(bobCtx, receipt.objectId), 'NotFound', 'object');
  await rejects(() => core.backups.create(bobCtx, a.id, { diskIndex: 1, name: 'steal' }), 'NotFound', 'vm');
  await rejects(
    () => core.backups.restore(bobCtx, receipt.objectId, { targetVmId: a.id, targetDiskIndex: 1 }),
    'NotFound',
    'object',
  );
  assert.deepEqual(await core.backups.list(bobCtx), []);
  const names = (await core.backups.list(ctx, { vmId: a.id })).map((b) => b.name);
  assert.deepEqual(names, ['live', 'nightly']);
});

test('a note changes; a removed backup is gone and its name free again', async () => {
  const a = await stoppedVm();
  await core.volumes.write(ctx, a.root, 0, ORIGINAL);
  const receipt = await core.backups.create(ctx, a.id, { diskIndex: 1, name: 'weekly' });
  await done(receipt);
  const files = () => readdirSync(join(env.config.dataDir, 'backups')).filter((f) => f.startsWith(receipt.objectId));
  assert.equal(files().length, 1, 'the backup has its own file under the data dir');
  await core.backups.setNote(ctx, receipt.objectId, 'keep until March');
  assert.equal((await core.backups.byName(ctx, a.id, 'weekly')).note, 'keep until March');
  await core.backups.remove(ctx, receipt.objectId);
  assert.deepEqual(files(), []);
  await rejects(() => core.backups.get(ctx, receipt.objectId), 'NotFound', 'object');
  await rejects(
    () => core.backups.restore(ctx, receipt.objectId, { targetVmId: a.id, targetDiskIndex: 1 }),
    'NotFound',
    'object',
  );
  assert.deepEqual(await core.backups.list(ctx, { vmId: a.id }), []);
  await done(await core.backups.create(ctx, a.id, { diskIndex: 1, name: 'weekly' }));
});

test('the start-up sweep deletes backup files no live backup owns and keeps the others', async () => {
  const a = await stoppedVm();
  await core.volumes.write(ctx, a.root, 0, ORIGINAL);
  const receipt = await core.backups.create(ctx, a.id, { diskIndex: 1, name: 'swept' });
  await done(receipt);
  const dir = join(env.config.dataDir, 'backups');
  const live = join(
    dir,
    readdirSync(dir).find((f) => f.startsWith(receipt.objectId))!,
  );
  const orphan = join(dir, `${randomUUID()}.img`);
  writeFileSync(orphan, 'left by a crash');
  const old = new Date(Date.now() - 60_000);
  utimesSync(orphan, old, old);
  utimesSync(live, old, old);
  const removed = await core.volumes.sweepOrphans(Date.now() - 1000);
  assert.ok(removed.includes(orphan), JSON.stringify(removed));
  assert.ok(!existsSync(orphan));
  assert.ok(existsSync(live), 'a live backup keeps its file');
});

test('every backup and definition change leaves exactly the one finished task its receipt names', async () => {
  const check = receiptChecker(
    () => env,
    () => ctx,
  );
  const a = await stoppedVm();
  const made = await check('backups.create', () => core.backups.create(ctx, a.id, { diskIndex: 1, name: 'checked' }));
  await check('backups.setNote', () => core.backups.setNote(ctx, made.objectId, 'n'));
  await check('backups.restore', () =>
    core.backups.restore(ctx, made.objectId, { targetVmId: a.id, targetDiskIndex: 1 }),
  );
  await check('backups.remove', () => core.backups.remove(ctx, made.objectId));
  await check(
    'schedules.create',
    () => core.schedules.create(ctx, 'backup', a.id, { name: 'chk', schedule: '0 4 * * *', retention: 2 }),
    (r) => r.receipt,
  );
  await check(
    'schedules.update',
    () => core.schedules.update(ctx, 'backup', a.id, 'chk', { retention: 3 }),
    (r) => r.receipt,
  );
  await check('schedules.remove', () => core.schedules.remove(ctx, 'backup', a.id, 'chk'));
  await check('vmSnapshots.create', () => core.vmSnapshots.create(ctx, a.id, { name: 'chk' }));
  await check('vmSnapshots.setNote', () => core.vmSnapshots.setNote(ctx, a.id, 'chk', 'n'));
  await check('vmSnapshots.sync', () => core.vmSnapshots.sync(ctx, a.id));
  await check('vmSnapshots.rollback', () => core.vmSnapshots.rollback(ctx, a.id, 'chk'));
  await check('vmSnapshots.delete', () => core.vmSnapshots.delete(ctx, a.id, 'chk'));
});
