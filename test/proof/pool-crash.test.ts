/** Crash proof for instance pools: kill -9 `nube serve` in the middle of a slow scale-up, restart it on the same database, and the pool ends with exactly its size. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freshDatabase } from '../support/runtime.js';
import { openStore, type Store } from '../../src/store/db.js';
import { readCredentials, startServe, type ServeChild } from './child.js';
import { HttpCs } from './http-cs.js';
import { checkInvariants, waitAllTerminal } from './invariants.js';

const SIZE = 8;
const children: ServeChild[] = [];
const clients: HttpCs[] = [];
let store: Store | undefined;
let dropDb: (() => Promise<void>) | undefined;

after(async () => {
  for (const c of children) await c.kill9();
  for (const c of clients) await c.close().catch(() => undefined);
  await store?.close();
  await dropDb?.();
});

/** Live VMs of the database and how many of them run. */
async function liveVms(db: Store['db']): Promise<Array<{ id: string; state: string }>> {
  return db.selectFrom('vms').select(['id', 'state']).where('removed_at', 'is', null).execute();
}

/** Polls fn until it answers something truthy, failing with what after ms. */
async function until<T>(what: string, fn: () => Promise<T>, ms: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test(
  'kill -9 during a pool scale-up: after restart the pool has exactly `size` running members and no extra VM',
  { timeout: 180_000 },
  async (t) => {
    const db = await freshDatabase();
    dropDb = db.drop;
    // One worker and a slow sim make the scale-up take seconds, so the kill lands while members are still deploying;
    // a short lease lets PostgreSQL reclaim the tasks the dead process held.
    const env = { ...db.env, NUBE_SIM_DELAY_MS: '300', NUBE_WORKERS: '1', NUBE_TASK_LEASE_MS: '2000' };
    const first = await startServe(env);
    children.push(first);
    const creds = readCredentials(db.env.NUBE_DATA_DIR!);
    store = openStore({ sqlitePath: join(db.env.NUBE_DATA_DIR!, 'nube.db'), databaseUrl: db.env.DATABASE_URL });
    const cs = new HttpCs(first.baseUrl, creds.key, creds.secret, 4);
    clients.push(cs);

    const zone = (await cs.ok('listZones')).zone[0];
    const offering = (await cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
    const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
    const pool = await cs.ok('createInstancePool', {
      name: 'crash',
      zoneid: zone.id,
      serviceofferingid: offering.id,
      templateid: template.id,
      size: 1,
    });
    await until(
      'the pool runs its first member',
      async () => {
        const p = (await cs.ok('getInstancePool', { id: pool.id })).instancepool[0];
        return p.state === 'running' && p.virtualmachines.length === 1;
      },
      30_000,
    );

    await cs.ok('scaleInstancePool', { id: pool.id, size: SIZE });
    // First kill: right after the scale was accepted, while its reconcile is queued or running.
    await first.kill9();
    const open = await store.db
      .selectFrom('tasks')
      .select(['kind', 'status'])
      .where('status', 'in', ['PENDING', 'STARTED'])
      .execute();
    t.diagnostic(`first kill with open tasks: ${open.map((o) => `${o.kind} ${o.status}`).join(', ') || 'none'}`);

    // Second kill: once some new members run and others are still being deployed.
    const middle = await startServe(env);
    children.push(middle);
    const atKill = await until(
      'a scale-up under way',
      async () => {
        const vms = await liveVms(store!.db);
        const running = vms.filter((v) => v.state === 'running').length;
        return running >= 3 && running < SIZE ? vms : undefined;
      },
      60_000,
    );
    await middle.kill9();
    const state = (await store.db.selectFrom('instance_pools').select('state').executeTakeFirstOrThrow()).state;
    t.diagnostic(
      `killed with ${atKill.length} live VMs (${atKill.filter((v) => v.state === 'running').length} running), pool ${state}`,
    );
    assert.equal(state, 'scaling-up', 'the crash hit the scale-up');

    const second = await startServe({ ...env, NUBE_SIM_DELAY_MS: '0' });
    children.push(second);
    const cs2 = new HttpCs(second.baseUrl, creds.key, creds.secret, 4);
    clients.push(cs2);
    const done = await until(
      'the pool running with its size',
      async () => {
        const p = (await cs2.ok('getInstancePool', { id: pool.id })).instancepool[0];
        return p.state === 'running' && p.virtualmachines.length === SIZE && p;
      },
      60_000,
    );
    assert.ok(await waitAllTerminal(store.db, 30_000), 'every task ends after the restart');

    const live = await liveVms(store.db);
    assert.equal(live.length, SIZE, 'exactly `size` live VMs: no member deployed twice, none left over');
    assert.ok(
      live.every((v) => v.state === 'running'),
      'every member runs',
    );
    assert.deepEqual(
      done.virtualmachines.map((vm: any) => vm.id).sort(),
      live.map((v) => v.id).sort(),
      'the pool lists exactly the live VMs',
    );
    const listed = await cs2.ok('listVirtualMachines', {});
    assert.equal(listed.count, SIZE);
    assert.deepEqual(await checkInvariants(store.db), []);
    await second.stop();
  },
);
