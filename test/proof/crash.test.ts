/** Crash proof: kill -9 a real `nube serve` in the middle of hundreds of deploys, restart it, and check nothing leaked or stuck. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freshDatabase } from '../support/runtime.js';
import { openStore, type Store } from '../../src/store/db.js';
import { readCredentials, startServe, type ServeChild } from './child.js';
import { HttpCs } from './http-cs.js';
import { checkInvariants, openTaskCount, waitAllTerminal } from './invariants.js';

const DEPLOYS = 400;
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

test(
  'kill -9 during a deploy storm: after restart every task ends and every resource is accounted for',
  { timeout: 240_000 },
  async (t) => {
    const db = await freshDatabase();
    dropDb = db.drop;
    // Few workers and a 100 ms sim delay keep the engine slower than the API, so a backlog of open tasks builds up
    // whatever the database; a short lease lets PostgreSQL reclaim STARTED ones fast. The restart runs at full speed.
    const env = { ...db.env, NUBE_SIM_DELAY_MS: '100', NUBE_WORKERS: '4', NUBE_TASK_LEASE_MS: '2000' };
    const first = await startServe(env);
    children.push(first);
    const creds = readCredentials(db.env.NUBE_DATA_DIR!);
    store = openStore({ sqlitePath: join(db.env.NUBE_DATA_DIR!, 'nube.db'), databaseUrl: db.env.DATABASE_URL });
    const cs = new HttpCs(first.baseUrl, creds.key, creds.secret, 32);
    clients.push(cs);

    const zone = (await cs.ok('listZones')).zone[0];
    const offering = (await cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
    const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
    const params = { zoneid: zone.id, serviceofferingid: offering.id, templateid: template.id };

    const accepted: Array<{ jobid: string; id: string }> = [];
    const refused: string[] = [];
    let lost = 0;
    const storm = Array.from({ length: DEPLOYS }, async () => {
      try {
        const r = await cs.call('deployVirtualMachine', params);
        if (r.status === 200 && r.body?.jobid) accepted.push({ jobid: r.body.jobid, id: r.body.id });
        else refused.push(`${r.status} ${r.raw}`);
      } catch {
        lost++;
      }
    });

    // Kill once enough deploys were accepted and many of their tasks are still open.
    let openAtKill = 0;
    const deadline = Date.now() + 60_000;
    for (;;) {
      openAtKill = await openTaskCount(store.db);
      if (
        (accepted.length >= DEPLOYS / 2 && openAtKill >= 40) ||
        accepted.length + refused.length + lost >= DEPLOYS ||
        Date.now() > deadline
      )
        break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await first.kill9();
    const byStatus = await store.db
      .selectFrom('tasks')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    await Promise.all(storm);
    t.diagnostic(
      `killed with ${openAtKill} open tasks (${byStatus.map((r) => `${r.status} ${r.n}`).join(', ')}); ${accepted.length} deploys accepted, ${lost} cut off by the crash`,
    );
    assert.deepEqual(refused, [], 'no deploy is refused before the crash');
    assert.ok(
      openAtKill >= 20,
      `the crash hit while tasks were open (${openAtKill} open, ${accepted.length} accepted)`,
    );
    assert.ok(accepted.length >= 100, `enough deploys were accepted before the crash (${accepted.length})`);

    const second = await startServe({ ...env, NUBE_SIM_DELAY_MS: '0', NUBE_WORKERS: '64' });
    children.push(second);
    const cs2 = new HttpCs(second.baseUrl, creds.key, creds.secret, 16);
    clients.push(cs2);
    const t0 = performance.now();
    assert.ok(
      await waitAllTerminal(store.db, 90_000),
      `all tasks end after the restart (${await openTaskCount(store.db)} still open)`,
    );

    t.diagnostic(`recovered in ${Math.round(performance.now() - t0)} ms after the restart`);
    assert.deepEqual(await checkInvariants(store.db), []);

    const live = await store.db.selectFrom('vms').select('id').where('removed_at', 'is', null).execute();
    const listed = await cs2.ok('listVirtualMachines', { pagesize: 1000 });
    assert.equal(listed.count, live.length, 'listVirtualMachines shows exactly the live VMs');
    for (const vm of listed.virtualmachine) assert.equal(vm.state, 'Running', `vm ${vm.id} runs after recovery`);

    const failures: string[] = [];
    for (const a of accepted) {
      const j = await cs2.ok('queryAsyncJobResult', { jobid: a.jobid });
      if (j.jobstatus === 1) {
        if (j.jobresult?.virtualmachine?.id !== a.id) failures.push(`job ${a.jobid} succeeded without its VM ${a.id}`);
      } else if (j.jobstatus !== 2 || typeof j.jobresult?.errortext !== 'string' || j.jobresult.errortext === '') {
        failures.push(`job ${a.jobid} ended as ${JSON.stringify(j)}`);
      }
    }
    assert.deepEqual(failures, [], 'every accepted deploy resolves to a finished job');

    const again = await cs2.ok('deployVirtualMachine', params);
    assert.ok(await waitAllTerminal(store.db, 30_000));
    const after = await cs2.ok('queryAsyncJobResult', { jobid: again.jobid });
    assert.equal(after.jobstatus, 1, 'the restarted server deploys normally');
    assert.equal(after.jobresult.virtualmachine.state, 'Running');
    await second.stop();
  },
);
