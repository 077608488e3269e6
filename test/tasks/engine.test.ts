import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { MasterKey } from '../../src/core/accounts/secrets.js';
import pg from 'pg';
import { freshDatabase, TEST_DB } from '../support/runtime.js';

/** Queues count VM creates for a new account (engine not started, so their tasks stay PENDING), gapMs apart; their task ids. */
async function queueCreates(rt: Runtime, name: string, count: number, gapMs = 0): Promise<string[]> {
  const acct = await rt.core.accounts.createAccount(name);
  const ctx = {
    accountId: acct.account.id,
    accountName: name,
    userId: acct.user.id,
    isAdmin: false,
    requestId: 't',
    origin: 'test:deploy',
  };
  const zone = (await rt.core.catalog.listZones())[0]!;
  const offering = (await rt.core.catalog.listServiceOfferings())[0]!;
  const tpl = await rt.store.db.selectFrom('templates').select('id').executeTakeFirstOrThrow();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await rt.core.vms.create(ctx, { zoneId: zone.id, offeringId: offering.id, templateId: tpl.id });
    ids.push(r.receipt.taskId);
    if (gapMs) await new Promise((done) => setTimeout(done, gapMs));
  }
  return ids;
}

test('tasks left STARTED by a dead worker are picked up again and finish after a restart', async () => {
  const db = await freshDatabase();
  const config = loadConfig({ NUBE_LISTEN: '127.0.0.1:0', NUBE_TASK_LEASE_MS: '300', ...db.env });
  const key = MasterKey.ephemeral();
  const log = pino({ level: 'silent' });
  try {
    const rt1 = await createRuntime(config, { log, masterKey: key });
    const ids = await queueCreates(rt1, 'crashy', 5);
    // Simulate a worker that claimed the tasks and died: STARTED with an expired lease of another owner.
    await rt1.store.db
      .updateTable('tasks')
      .set({ status: 'STARTED', lease_owner: 'dead-worker', lease_until: Date.now() - 1000, attempts: 1 })
      .where('id', 'in', ids)
      .execute();
    await rt1.store.close();

    const rt2 = await createRuntime(config, { log, masterKey: key, startEngine: true });
    for (const id of ids) {
      const t = await rt2.engine.wait(id, 10000);
      assert.equal(t?.status, 'SUCCESS', `task ${id} finished`);
    }
    const running = await rt2.store.db.selectFrom('vms').select('state').execute();
    assert.deepEqual(
      running.map((v) => v.state),
      ['running', 'running', 'running', 'running', 'running'],
    );
    const hosts = await rt2.store.db.selectFrom('hosts').select(['vm_count']).execute();
    assert.equal(
      hosts.reduce((s, h) => s + Number(h.vm_count), 0),
      5,
      'capacity counted once per VM',
    );
    const log2 = await rt2.store.db
      .selectFrom('task_log')
      .select(['task_id', 'status'])
      .where('task_id', 'in', ids)
      .execute();
    assert.equal(log2.length, 10, 'two log entries per task');
    await rt2.close();
  } finally {
    await db.drop();
  }
});

test('a second open task on the same VM is refused (one writer per object)', async () => {
  const db = await freshDatabase();
  const config = loadConfig({ NUBE_LISTEN: '127.0.0.1:0', ...db.env });
  const rt = await createRuntime(config, { log: pino({ level: 'silent' }), masterKey: MasterKey.ephemeral() });
  try {
    const acct = await rt.core.accounts.createAccount('writer');
    const ctx = {
      accountId: acct.account.id,
      accountName: 'writer',
      userId: acct.user.id,
      isAdmin: false,
      requestId: 't',
      origin: 'test',
    };
    const zone = (await rt.core.catalog.listZones())[0]!;
    const offering = (await rt.core.catalog.listServiceOfferings())[0]!;
    const tpl = await rt.store.db.selectFrom('templates').select('id').executeTakeFirstOrThrow();
    const vm = await rt.core.vms.create(ctx, { zoneId: zone.id, offeringId: offering.id, templateId: tpl.id });
    await assert.rejects(
      rt.core.vms.destroy(ctx, vm.receipt.objectId),
      (e: Error & { kind?: string }) => e.kind === 'Conflict',
    );
  } finally {
    await rt.close();
    await db.drop();
  }
});

test(
  'PostgreSQL: queueing a task notifies the engines of every process on the database',
  { skip: TEST_DB !== 'postgres' && 'PostgreSQL only (SQLite has one process)' },
  async () => {
    const db = await freshDatabase();
    const config = loadConfig({ NUBE_LISTEN: '127.0.0.1:0', ...db.env });
    const rt = await createRuntime(config, { log: pino({ level: 'silent' }), masterKey: MasterKey.ephemeral() });
    const other = new pg.Client({ connectionString: db.env.DATABASE_URL });
    try {
      await other.connect();
      await other.query('listen nube_tasks');
      const heard = new Promise<string>((resolve) => other.on('notification', (n) => resolve(n.channel)));
      const acct = await rt.core.accounts.createAccount('heard');
      const ctx = {
        accountId: acct.account.id,
        accountName: 'heard',
        userId: null,
        isAdmin: false,
        requestId: 't',
        origin: 't',
      };
      await rt.core.vms.create(ctx, { name: 'heard-1', size: {} });
      const channel = await Promise.race([
        heard,
        new Promise<string>((resolve) => setTimeout(() => resolve('nothing within 5 s'), 5000)),
      ]);
      assert.equal(channel, 'nube_tasks', 'another process listening on the database was told');
    } finally {
      await other.end();
      await rt.close();
      await db.drop();
    }
  },
);

test('a backlog of queued tasks is worked oldest first', async () => {
  const db = await freshDatabase();
  const config = loadConfig({ NUBE_LISTEN: '127.0.0.1:0', NUBE_WORKERS: '1', ...db.env });
  const key = MasterKey.ephemeral();
  const log = pino({ level: 'silent' });
  try {
    const rt1 = await createRuntime(config, { log, masterKey: key });
    const ids = await queueCreates(rt1, 'backlog', 6, 3);
    await rt1.store.close();

    // One worker: each claim takes the oldest PENDING task, so the tasks start in the order they were queued.
    const rt2 = await createRuntime(config, { log, masterKey: key, startEngine: true });
    for (const id of ids) assert.equal((await rt2.engine.wait(id, 10000))?.status, 'SUCCESS');
    const rows = await rt2.store.db.selectFrom('tasks').select(['id', 'started_at']).where('id', 'in', ids).execute();
    const started = new Map(rows.map((r) => [r.id, r.started_at!]));
    const order = [...ids].sort(
      (a, b) => started.get(a)!.localeCompare(started.get(b)!) || ids.indexOf(a) - ids.indexOf(b),
    );
    assert.deepEqual(order, ids);
    await rt2.close();
  } finally {
    await db.drop();
  }
});
