import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDanube, type DanubeEnv } from '../../support/danube.js';
import type { CallContext } from '../../../src/lib/context.js';
import { finished, makeVm, ownerContext } from './disk-fixtures.js';

let d: DanubeEnv;
let bob: CallContext;
let web: { id: string; root: string };

before(async () => {
  d = await startDanube();
  await d.env.rt.scheduler.stop();
  bob = await ownerContext(d, 'bob');
  web = await makeVm(d, bob, 'web01', true);
});
after(async () => {
  await d.close();
});

test('snapshots through es: take, list (names and full), note, refusals, rollback only when stopped, delete', async () => {
  const data = Buffer.from('snapshot through the Danube API');
  await d.env.rt.core.volumes.write(bob, web.root, 0, data);

  const made = await d.bob.create('/vm/web01/snapshot/snap1', { note: 'before upgrade' });
  assert.equal(made.status, 200, made.text);
  assert.equal(made.body.status, 'SUCCESS');
  assert.equal(made.body.result.message, 'Snapshot successfully created');

  const again = await d.bob.create('/vm/web01/snapshot/snap1', {});
  assert.equal(again.status, 406);
  assert.equal(again.body.detail, 'Snapshot already exists');
  const badName = await d.bob.create('/vm/web01/snapshot/bad:name', {});
  assert.equal(badName.status, 400);
  assert.ok(badName.body.result.name);

  await d.bob.create('/vm/web01/snapshot/snap2', {});
  const names = await d.bob.get('/vm/web01/snapshot');
  assert.deepEqual(names.body.result, ['snap2', 'snap1'], 'newest first by default');
  const byName = await d.bob.get('/vm/web01/snapshot', { order_by: 'name' });
  assert.deepEqual(byName.body.result, ['snap1', 'snap2']);
  const bad = await d.bob.get('/vm/web01/snapshot', { order_by: 'hostname' });
  assert.equal(bad.status, 412);
  const full = await d.bob.get('/vm/web01/snapshot', { full: true, order_by: 'name' });
  const snap1 = full.body.result[0];
  assert.equal(snap1.hostname, 'web01');
  assert.equal(snap1.name, 'snap1');
  assert.equal(snap1.disk_id, 1);
  assert.equal(snap1.note, 'before upgrade');
  assert.equal(snap1.type, 2);
  assert.equal(snap1.status, 1);
  assert.equal(snap1.define, null);
  assert.equal((await d.bob.get('/vm/web01/snapshot', { type: 1 })).body.result.length, 0);
  assert.equal((await d.bob.get('/vm/web01/snapshot', { disk_id: 2 })).body.result.length, 0);

  // The same snapshots are the core's, as CloudStack lists them.
  const core = (await d.env.rt.core.snapshots.list(bob)).items.map((s) => s.name).sort();
  assert.deepEqual(core, ['snap1', 'snap2']);

  const noted = await d.bob.set('/vm/web01/snapshot/snap1', { note: 'changed' });
  assert.equal(noted.status, 200, noted.text);
  assert.equal(noted.body.result.note, 'changed');
  assert.equal((await d.bob.get('/vm/web01/snapshot/snap1')).body.result.note, 'changed');

  await d.env.rt.core.volumes.write(bob, web.root, 0, Buffer.alloc(data.length, 0x21));
  const running = await d.bob.set('/vm/web01/snapshot/snap1', {});
  assert.equal(running.status, 423);
  assert.equal(running.body.detail, 'VM is not stopped');
  await finished(d, await d.env.rt.core.vms.stop(bob, web.id, true));
  const notNewest = await d.bob.set('/vm/web01/snapshot/snap1', { force: false });
  assert.equal(notNewest.status, 417);
  const rolled = await d.bob.set('/vm/web01/snapshot/snap1', {});
  assert.equal(rolled.status, 200, rolled.text);
  assert.equal(rolled.body.status, 'SUCCESS');
  assert.deepEqual(await d.env.rt.core.volumes.read(bob, web.root, 0, data.length), data);

  const web02 = await makeVm(d, bob, 'web02', true);
  const busyTarget = await d.bob.set('/vm/web01/snapshot/snap1', {
    target_hostname_or_uuid: 'web02',
    target_disk_id: 1,
  });
  assert.equal(busyTarget.status, 423);
  await finished(d, await d.env.rt.core.vms.stop(bob, web02.id, true));
  const noDisk = await d.bob.set('/vm/web01/snapshot/snap1', { target_hostname_or_uuid: 'web02', target_disk_id: 2 });
  assert.equal(noDisk.status, 400, noDisk.text);
  assert.ok(noDisk.body.result.target_disk_id, noDisk.text);
  const copied = await d.bob.set('/vm/web01/snapshot/snap1', { target_hostname_or_uuid: 'web02', target_disk_id: 1 });
  assert.equal(copied.status, 200, copied.text);
  assert.deepEqual(await d.env.rt.core.volumes.read(bob, web02.root, 0, data.length), data);
  assert.equal((await d.bob.get('/vm/web02/snapshot')).body.result.length, 0, 'the snapshot stays with web01');

  const missing = await d.bob.get('/vm/web01/snapshot/nope');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.detail, 'Snapshot not found');
  const other = await d.admin.get('/vm/web01/snapshot');
  assert.equal(other.status, 404);
  assert.equal(other.body.detail, 'VM not found');

  const gone = await d.bob.delete('/vm/web01/snapshot/snap2');
  assert.equal(gone.status, 200, gone.text);
  const many = await d.bob.delete('/vm/web01/snapshot', { snapnames: ['snap1'] });
  assert.equal(many.status, 200, many.text);
  assert.deepEqual((await d.bob.get('/vm/web01/snapshot')).body.result, []);
  const noList = await d.bob.delete('/vm/web01/snapshot', {});
  assert.equal(noList.status, 400);
});

test('snapshot definitions through es: create with defaults, list, update, fire, delete', async () => {
  const created = await d.bob.create('/vm/web01/define/snapshot/hourly', {});
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.result.retention, 24);
  assert.match(created.body.result.schedule, /^\d+ \* \* \* \*$/);
  assert.equal(created.body.result.disk_id, 1);
  assert.equal(created.body.result.active, true);

  const custom = await d.bob.create('/vm/web01/define/snapshot/nightly', {
    schedule: '30 1 * * *',
    retention: '3',
    desc: 'nightly',
  });
  assert.equal(custom.status, 201, custom.text);
  assert.equal(custom.body.result.retention, 3);
  const dup = await d.bob.create('/vm/web01/define/snapshot/nightly', {
    schedule: '* * * * *',
    retention: 1,
  });
  assert.equal(dup.status, 406);
  const noSchedule = await d.bob.create('/vm/web01/define/snapshot/other', { retention: 1 });
  assert.equal(noSchedule.status, 400);
  assert.ok(noSchedule.body.result.schedule);
  const badCron = await d.bob.create('/vm/web01/define/snapshot/other', {
    schedule: '99 * * * *',
    retention: 1,
  });
  assert.equal(badCron.status, 400);
  assert.ok(badCron.body.result.schedule);
  const tooLong = await d.bob.create('/vm/web01/define/snapshot/ninechars', {
    schedule: '* * * * *',
    retention: 1,
  });
  assert.equal(tooLong.status, 400);

  assert.deepEqual((await d.bob.get('/vm/web01/define/snapshot', { order_by: 'name' })).body.result, [
    'hourly',
    'nightly',
  ]);
  const all = await d.bob.get('/vm/define/snapshot', { full: true });
  assert.equal(all.body.result.length, 2);
  assert.equal(all.body.result[0].hostname, 'web01');
  assert.deepEqual((await d.admin.get('/vm/define/snapshot')).body.result, []);

  const changed = await d.bob.set('/vm/web01/define/snapshot/nightly', { retention: 1, active: false });
  assert.equal(changed.status, 200, changed.text);
  assert.equal(changed.body.result.retention, 1);
  assert.equal(changed.body.result.active, false);
  await d.bob.set('/vm/web01/define/snapshot/nightly', { active: true });

  // The scheduler fires it: an automatic snapshot named after the definition (hourly is paused to keep it alone).
  await d.bob.set('/vm/web01/define/snapshot/hourly', { active: false });
  const def = await d.env.rt.core.schedules.get(bob, 'snapshot', web.id, 'nightly');
  const fired = (await d.env.rt.scheduler.tick(new Date(def.nextRunAt))).find((f) => f.definitionId === def.id);
  await finished(d, fired!.receipt!);
  const auto = await d.bob.get('/vm/web01/snapshot', { full: true, type: 1 });
  assert.equal(auto.body.result.length, 1);
  assert.equal(auto.body.result[0].define, 'nightly');
  assert.match(auto.body.result[0].name, /^nightly-\d{8}_\d{6}$/);
  assert.equal((await d.bob.get('/vm/web01/snapshot', { define: 'nightly' })).body.result.length, 1);

  const del = await d.bob.delete('/vm/web01/define/snapshot/nightly');
  assert.equal(del.status, 200, del.text);
  assert.equal(del.body.result, null);
  const gone = await d.bob.get('/vm/web01/define/snapshot/nightly');
  assert.equal(gone.status, 404);
  assert.equal(gone.body.detail, 'Snapshot definition not found');
});
