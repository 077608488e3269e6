/** REST VPS snapshots over real HTTP: create, list, restore (stopped VPS only), delete, isolation, scopes and validation. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRest, type RestEnv } from '../../support/rest.js';
import { catalog, type Catalog } from '../cloudstack/vm-fixtures.js';
import type { CallContext } from '../../../src/lib/context.js';
import type { TaskReceipt } from '../../../src/core/receipt.js';

let r: RestEnv;
let c: Catalog;
let adminCtx: CallContext;
let bobCtx: CallContext;
let adminVm: string;
let bobVm: string;

async function done(receipt: TaskReceipt): Promise<void> {
  const task = await r.env.rt.core.deps.tasks.wait(receipt.taskId, 10_000);
  assert.equal(task?.status, 'SUCCESS', task?.error ?? 'task did not finish');
}

async function runningVm(ctx: CallContext): Promise<string> {
  const { receipt } = await r.env.rt.core.vms.create(ctx, {
    zoneId: c.zone.id,
    offeringId: c.micro.id,
    templateId: c.template.id,
    start: true,
  });
  await done(receipt);
  return receipt.objectId;
}

/** Lists the caller's VPS snapshots until the one with this id has the status (10 s at most). */
async function until(id: number, status: string, token = r.adminToken): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const list = await r.req('GET', '/snapshots/vps?per_page=100', { token });
    const s = list.json.data.find((x: any) => x.id === id);
    if (s?.status === status) return s;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  assert.fail(`snapshot ${id} never became ${status}`);
}

before(async () => {
  r = await startRest();
  c = await catalog(r.env.cs);
  adminCtx = await r.ctxOf('admin');
  bobCtx = await r.ctxOf('bob');
  adminVm = await runningVm(adminCtx);
  bobVm = await runningVm(bobCtx);
});
after(async () => {
  await r.close();
});

test('a VPS snapshot is taken, listed (also by CloudStack), restored only when the VPS is stopped, and deleted', async () => {
  const core = r.env.rt.core;
  const root = (await core.volumes.list(adminCtx, { vmId: adminVm })).items[0]!.id;
  const original = Buffer.from('before the upgrade');
  await core.volumes.write(adminCtx, root, 0, original);

  const made = await r.req('POST', '/snapshots/vps', {
    body: { vps_instance_id: adminVm, name: 'before upgrade', description: 'clean system' },
  });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  assert.equal(made.json.message, 'VPS snapshot creation initiated');
  const snap = made.json.snapshot;
  assert.ok(Number.isInteger(snap.id));
  assert.equal(snap.name, 'before upgrade');
  assert.equal(snap.description, 'clean system');
  assert.ok(['creating', 'ready'].includes(snap.status));
  assert.equal(snap.vps_instance_id, adminVm);
  assert.equal(snap.vps_instance.id, adminVm);
  assert.equal(typeof snap.vps_instance.name, 'string');
  assert.equal(typeof snap.size_gb, 'number');
  assert.ok(snap.size_gb > 0);

  const ready = await until(snap.id, 'ready');
  assert.equal(ready.description, 'clean system');
  const filtered = await r.req('GET', `/snapshots/vps?vps_instance_id=${adminVm}`);
  assert.equal(filtered.status, 200);
  assert.deepEqual(
    filtered.json.data.map((s: any) => s.id),
    [snap.id],
  );
  assert.equal(filtered.json.pagination.total, 1);
  const cs = await r.adminCs.ok('listSnapshots', { volumeid: root });
  assert.deepEqual(
    cs.snapshot.map((s: any) => s.name),
    ['before upgrade'],
    'CloudStack lists the same snapshot',
  );

  const again = await r.req('POST', '/snapshots/vps', { body: { vps_instance_id: adminVm, name: 'before upgrade' } });
  assert.equal(again.status, 409);
  assert.match(again.json.error, /already exists/);

  await core.volumes.write(adminCtx, root, 0, Buffer.alloc(original.length, 0x41));
  const refused = await r.req('POST', `/snapshots/vps/${snap.id}/restore`);
  assert.equal(refused.status, 422);
  assert.deepEqual(refused.json, { error: 'VPS snapshot cannot be restored in the current state', status: 'running' });

  await done(await core.vms.stop(adminCtx, adminVm, true));
  const restored = await r.req('POST', `/snapshots/vps/${snap.id}/restore`);
  assert.equal(restored.status, 200);
  assert.deepEqual(restored.json, { message: 'VPS snapshot restore initiated' });
  await until(snap.id, 'ready');
  for (let i = 0; i < 100; i++) {
    const now = await core.volumes.read(adminCtx, root, 0, original.length);
    if (now.equals(original)) break;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  assert.deepEqual(await core.volumes.read(adminCtx, root, 0, original.length), original, 'the disk is back');

  const deleted = await r.req('DELETE', `/snapshots/vps/${snap.id}`);
  assert.equal(deleted.status, 200);
  assert.deepEqual(deleted.json, { message: 'VPS snapshot deletion initiated' });
  assert.equal((await r.req('GET', '/snapshots/vps')).json.pagination.total, 0);
  assert.equal((await r.req('DELETE', `/snapshots/vps/${snap.id}`)).status, 404);
  assert.equal((await r.req('POST', `/snapshots/vps/${snap.id}/restore`)).status, 404);
});

test("bob neither sees nor touches admin's snapshots or VPS", async () => {
  const made = await r.req('POST', '/snapshots/vps', { body: { vps_instance_id: adminVm, name: 'admin-only' } });
  assert.equal(made.status, 201);
  const id = made.json.snapshot.id;
  await until(id, 'ready');
  const bobList = await r.req('GET', '/snapshots/vps', { token: r.bobToken });
  assert.equal(bobList.status, 200);
  assert.ok(!bobList.json.data.some((s: any) => s.id === id));
  assert.equal((await r.req('DELETE', `/snapshots/vps/${id}`, { token: r.bobToken })).status, 404);
  assert.equal((await r.req('POST', `/snapshots/vps/${id}/restore`, { token: r.bobToken })).status, 404);
  const onAdminVm = await r.req('POST', '/snapshots/vps', {
    token: r.bobToken,
    body: { vps_instance_id: adminVm, name: 'sneaky' },
  });
  assert.equal(onAdminVm.status, 422);
  assert.deepEqual(Object.keys(onAdminVm.json.errors), ['vps_instance_id']);
  const filter = await r.req('GET', `/snapshots/vps?vps_instance_id=${adminVm}`, { token: r.bobToken });
  assert.equal(filter.status, 404);
  assert.equal((await r.req('GET', '/snapshots/vps')).json.data.length, 1, 'admin still has it');

  const own = await r.req('POST', '/snapshots/vps', {
    token: r.bobToken,
    body: { vps_instance_id: bobVm, name: 'b1' },
  });
  assert.equal(own.status, 201);
  assert.equal(own.json.snapshot.vps_instance_id, bobVm);
  assert.notEqual(own.json.snapshot.id, id);
  await until(own.json.snapshot.id, 'ready', r.bobToken);
});

test('snapshot scopes: read lists, write creates and restores, delete deletes; others get 403', async () => {
  const none = await r.tokenFor(['vps:read']);
  const list403 = await r.req('GET', '/snapshots/vps', { token: none });
  assert.equal(list403.status, 403);
  assert.equal(list403.json.message, 'Insufficient permissions to read snapshots');
  const create403 = await r.req('POST', '/snapshots/vps', { token: none, body: { vps_instance_id: bobVm, name: 'x' } });
  assert.equal(create403.status, 403);

  const readWrite = await r.tokenFor(['snapshot:read', 'snapshot:write']);
  const made = await r.req('POST', '/snapshots/vps', {
    token: readWrite,
    body: { vps_instance_id: bobVm, name: 'scoped' },
  });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  await until(made.json.snapshot.id, 'ready', readWrite);
  const del403 = await r.req('DELETE', `/snapshots/vps/${made.json.snapshot.id}`, { token: readWrite });
  assert.equal(del403.status, 403);
  assert.equal(del403.json.message, 'Insufficient permissions to delete snapshots');
  const deleter = await r.tokenFor(['snapshot:delete']);
  assert.equal((await r.req('DELETE', `/snapshots/vps/${made.json.snapshot.id}`, { token: deleter })).status, 200);
});

test('bad bodies are 422 with the field named; bad ids 404; database and cache snapshots are not here yet', async () => {
  const cases: Array<[unknown, string]> = [
    [{ vps_instance_id: adminVm }, 'name'],
    [{ name: 'n' }, 'vps_instance_id'],
    [{ vps_instance_id: adminVm, name: '' }, 'name'],
    [{ vps_instance_id: adminVm, name: 'x'.repeat(256) }, 'name'],
    [{ vps_instance_id: adminVm, name: 'n', description: 'd'.repeat(1025) }, 'description'],
    [{ vps_instance_id: 42, name: 'n' }, 'vps_instance_id'],
    [{ vps_instance_id: 'no-such-vps', name: 'n' }, 'vps_instance_id'],
  ];
  for (const [body, field] of cases) {
    const res = await r.req('POST', '/snapshots/vps', { body });
    assert.equal(res.status, 422, JSON.stringify(body));
    assert.ok(res.json.errors[field], `${JSON.stringify(body)} names ${field}: ${JSON.stringify(res.json)}`);
  }
  assert.equal((await r.req('DELETE', '/snapshots/vps/abc')).status, 404);
  assert.equal((await r.req('DELETE', '/snapshots/vps/999999')).status, 404);
  assert.equal((await r.req('GET', '/snapshots/vps?per_page=500')).status, 422);
  for (const [method, path] of [
    ['GET', '/snapshots/database'],
    ['POST', '/snapshots/cache/3/restore'],
    ['DELETE', '/snapshots/database/7'],
  ] as const) {
    const res = await r.req(method, path);
    assert.equal(res.status, 404, path);
    assert.match(res.json.message, /not available on this server yet/);
  }
  assert.equal((await r.req('GET', '/snapshots/database', { token: 'nope' })).status, 401);
});

test('status follows the core tasks: creating while taken, restoring while put back; neither can be deleted or restored meanwhile', async () => {
  const core = r.env.rt.core;
  const vm = await runningVm(adminCtx);
  await done(await core.vms.stop(adminCtx, vm, true));
  await r.env.rt.engine.stop();
  let id: number;
  try {
    const made = await r.req('POST', '/snapshots/vps', { body: { vps_instance_id: vm, name: 'slow' } });
    assert.equal(made.status, 201);
    id = made.json.snapshot.id;
    assert.equal(made.json.snapshot.status, 'creating');
    const early = await r.req('POST', `/snapshots/vps/${id}/restore`);
    assert.equal(early.status, 422);
    assert.deepEqual(early.json, { error: 'VPS snapshot cannot be restored in the current state', status: 'creating' });
    const busy = await r.req('DELETE', `/snapshots/vps/${id}`);
    assert.equal(busy.status, 409);
    assert.match(busy.json.error, /still being created/);
  } finally {
    await r.env.rt.engine.start();
  }
  await until(id!, 'ready');
  await r.env.rt.engine.stop();
  try {
    assert.equal((await r.req('POST', `/snapshots/vps/${id!}/restore`)).status, 200);
    await until(id!, 'restoring');
    const busy = await r.req('DELETE', `/snapshots/vps/${id!}`);
    assert.equal(busy.status, 409);
    assert.match(busy.json.error, /being restored/);
  } finally {
    await r.env.rt.engine.start();
  }
  await until(id!, 'ready');
  assert.equal((await r.req('DELETE', `/snapshots/vps/${id!}`)).status, 200);
});
