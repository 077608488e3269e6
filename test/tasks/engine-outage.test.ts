/** A task whose run meets a database outage runs again once the database is back; the lost attempt is not counted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { TaskEngine } from '../../src/tasks/engine.js';
import { enqueueTask } from '../../src/tasks/queue.js';
import { systemContext } from '../../src/lib/context.js';
import { DatabaseUnavailable, unavailable } from '../../src/lib/errors.js';
import { freshDatabase } from '../support/runtime.js';
import { join } from 'node:path';

async function withEngine(
  fn: (engine: TaskEngine, enqueue: (id: string) => Promise<string>) => Promise<void>,
): Promise<void> {
  const db = await freshDatabase();
  const store = openStore({ sqlitePath: join(db.env.NUBE_DATA_DIR!, 'nube.db'), databaseUrl: db.env.DATABASE_URL });
  const engine = new TaskEngine(store, { workers: 2, leaseMs: 10_000, maxAttempts: 2, pollMs: 50 });
  try {
    await migrate(store);
    const enqueue = (objectId: string) =>
      store.tx((trx) =>
        enqueueTask(store, trx, {
          kind: 'sync',
          objectType: 'vm',
          objectId,
          ctx: systemContext('acct'),
        }),
      );
    await fn(engine, enqueue);
  } finally {
    await engine.stop();
    await store.close();
    await db.drop();
  }
}

test('a handler cut short by a database outage is retried (more often than maxAttempts) and succeeds; the outage costs no attempt', async () => {
  await withEngine(async (engine, enqueue) => {
    let runs = 0;
    engine.register('sync', {
      async run() {
        if (++runs <= 3) throw new DatabaseUnavailable();
        return { ok: true };
      },
    });
    const id = await enqueue('obj-1');
    await engine.start();
    const row = await engine.wait(id, 10_000);
    assert.equal(row?.status, 'SUCCESS', `the task succeeds after the outage: ${row?.error}`);
    assert.equal(runs, 4);
    assert.equal(row?.attempts, 1, 'runs cut short by the outage are not counted as attempts');
  });
});

test('an unreachable host (Unavailable from a driver) still fails the task', async () => {
  await withEngine(async (engine, enqueue) => {
    engine.register('sync', {
      async run() {
        throw unavailable('Host h1 is unreachable', 'unreachable');
      },
    });
    const id = await enqueue('obj-2');
    await engine.start();
    const row = await engine.wait(id, 10_000);
    assert.equal(row?.status, 'FAILURE');
    assert.match(row?.error ?? '', /Host h1 is unreachable/);
  });
});
