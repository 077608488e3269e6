import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDanube, type DanubeEnv } from '../../support/danube.js';
import type { CallContext } from '../../../src/lib/context.js';
import { finished, makeVm, ownerContext } from './disk-fixtures.js';

let d: DanubeEnv;
let bob: CallContext;
let db1: { id: string; root: string };
let db2: { id: string; root: string };

before(async () => {
  d = await startDanube();
  await d.env.rt.scheduler.stop();
  bob = await ownerContext(d, 'bob');
  db1 = await makeVm(d, bob, 'db1', true);
  db2 = await makeVm(d, bob, 'db2');
});
after(async () => {
  await d.close();
});

test('backup definitions through es: create (node and zpool kept), list, update, refusals, delete', async () => {
  const made = await d.bob.create('/vm/db1/define/backup/daily', { node: 'backup1', zpool: 'backups', compression: 1 });
  assert.equal(made.status, 201, made.text);
  const def = made.body.result;
  assert.equal(def.hostname, 'db1');
  assert.equal(def.node, 'backup1');
  assert.equal(def.zpool, 'backups');
  assert.equal(def.compression, 1);
  assert.equal(def.retention, 30);
  assert.match(def.schedule, /^\d+ \d+ \* \* \*$/);

  const changed = await d.bob.set('/vm/db1/define/backup/daily', { retention: 2, schedule: '15 2 * * *' });
  assert.equal(changed.status, 200, changed.text);
  assert.equal(changed.body.result.retention, 2);
  assert.equal(changed.body.result.schedule, '15 2 * * *');
  assert.equal(changed.body.result.node, 'backup1');

  assert.equal((await d.bob.create('/vm/db1/define/backup/daily', {})).status, 406);
  assert.deepEqual((await d.bob.get('/vm/db1/define/backup')).body.result, ['daily']);
  assert.deepEqual((await d.bob.get('/vm/define/backup')).body.result, ['daily']);
  assert.equal((await d.bob.get('/vm/db1/define/backup/nope')).status, 404);
  assert.equal((await d.admin.get('/vm/db1/define/backup')).status, 404);

  await d.bob.create('/vm/db1/define/backup/temp', { schedule: '0 0 1 1 *', retention: 1 });
  const del = await d.bob.delete('/vm/db1/define/backup/temp');
  assert.equal(del.status, 200, del.text);
  assert.deepEqual((await d.bob.get('/vm/db1/define/backup')).body.result, ['daily']);
});

test('backups through es hold real bytes: create from a definition, overwrite, restore onto the VM and another VM', async () => {
  const original = Buffer.from('database pages as they were');
  await d.env.rt.core.volumes.write(bob, db1.root, 4096, original);

  const made = await d.bob.create('/vm/db1/backup/daily', { note: 'first' });
  assert.equal(made.status, 200, made.text);
  assert.equal(made.body.status, 'SUCCESS');
  assert.equal(made.body.result.message, 'Backup successfully created');
  const [name] = (await d.bob.get('/vm/db1/backup')).body.result;
  assert.match(name, /^daily-\d{8}_\d{6}$/);
  const one = await d.bob.get(`/vm/db1/backup/${name}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.result.define, 'daily');
  assert.equal(one.body.result.note, 'first');
  assert.equal(one.body.result.status, 1);
  assert.equal(one.body.result.disk_id, 1);
  assert.equal(one.body.result.vm_uuid, db1.id);
  assert.equal((await d.bob.create('/vm/db1/backup/nodef', {})).status, 404);

  const noted = await d.bob.set(`/vm/db1/backup/${name}`, { note: 'keep' });
  assert.equal(noted.status, 200, noted.text);
  assert.equal(noted.body.result.note, 'keep');

  await d.env.rt.core.volumes.write(bob, db1.root, 4096, Buffer.alloc(original.length, 0x7a));
  const running = await d.bob.set(`/vm/db1/backup/${name}`, { target_hostname_or_uuid: 'db1', target_disk_id: 1 });
  assert.equal(running.status, 423);
  const missingTarget = await d.bob.set(`/vm/db1/backup/${name}`, { target_disk_id: 1 });
  assert.equal(missingTarget.status, 400);
  assert.ok(missingTarget.body.result.target_hostname_or_uuid);
  const badDisk = await d.bob.set(`/vm/db1/backup/${name}`, { target_hostname_or_uuid: 'db2', target_disk_id: 2 });
  assert.equal(badDisk.status, 400);
  assert.ok(badDisk.body.result.target_disk_id);

  await finished(d, await d.env.rt.core.vms.stop(bob, db1.id, true));
  const restored = await d.bob.set(`/vm/db1/backup/${name}`, { target_hostname_or_uuid: 'db1', target_disk_id: 1 });
  assert.equal(restored.status, 200, restored.text);
  assert.equal(restored.body.result.message, 'Backup successfully restored');
  assert.deepEqual(await d.env.rt.core.volumes.read(bob, db1.root, 4096, original.length), original);

  const elsewhere = await d.bob.set(`/vm/db1/backup/${name}`, { target_hostname_or_uuid: db2.id, target_disk_id: 1 });
  assert.equal(elsewhere.status, 200, elsewhere.text);
  assert.deepEqual(await d.env.rt.core.volumes.read(bob, db2.root, 4096, original.length), original);

  assert.equal((await d.admin.get(`/vm/db1/backup/${name}`)).status, 404);
  const gone = await d.bob.delete(`/vm/db1/backup/${name}`);
  assert.equal(gone.status, 200, gone.text);
  assert.equal((await d.bob.get(`/vm/db1/backup/${name}`)).status, 404);
});

test('scheduled backups keep the definition retention; several are deleted at once by name', async () => {
  const def = await d.env.rt.core.schedules.get(bob, 'backup', db1.id, 'daily');
  let at = Date.parse(def.nextRunAt);
  for (let i = 0; i < 3; i++, at += 24 * 3600_000) {
    const fired = (await d.env.rt.scheduler.tick(new Date(at))).find((f) => f.definitionId === def.id);
    await finished(d, fired!.receipt!);
  }
  const full = await d.bob.get('/vm/db1/backup', { full: true, define: 'daily' });
  assert.equal(full.body.result.length, 2, 'retention 2');
  assert.ok(full.body.result[0].created > full.body.result[1].created, 'newest first');
  const names = full.body.result.map((b: any) => b.name);
  const del = await d.bob.delete('/vm/db1/backup', { bkpnames: names });
  assert.equal(del.status, 200, del.text);
  assert.deepEqual((await d.bob.get('/vm/db1/backup')).body.result, []);
  assert.equal((await d.bob.delete('/vm/db1/backup', { bkpnames: ['nope'] })).status, 404);
});
