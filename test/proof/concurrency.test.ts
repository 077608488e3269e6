/** Concurrency proof: hundreds of racing start/stop/reboot/destroy calls on a few VMs never break a VM or double-book a host. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { checkInvariants, doubleWriters, waitAllTerminal } from './invariants.js';
import { mulberry32 } from './prng.js';

const VMS = 10;
const CALLS = 400;
const WINDOW_MS = 2500;
/** Weighted operations: destroys are rare so most VMs stay around to be raced on. */
const OPS: Array<[string, number]> = [
  ['startVirtualMachine', 33],
  ['stopVirtualMachine', 33],
  ['rebootVirtualMachine', 33],
  ['destroyVirtualMachine', 1],
];

function pickOp(r: number): string {
  const total = OPS.reduce((s, [, w]) => s + w, 0);
  let x = r * total;
  for (const [op, w] of OPS) {
    if ((x -= w) < 0) return op;
  }
  return OPS[0]![0];
}

let env: TestEnv;
before(async () => {
  env = await startTestEnv({ NUBE_SIM_DELAY_MS: '3' });
});
after(async () => {
  await env.close();
});

test(
  'racing power calls answer 200 or 431, never 5xx, and leave every VM resting with capacity accounted',
  { timeout: 120_000 },
  async (t) => {
    const db = env.rt.store.db;
    const zone = (await env.cs.ok('listZones')).zone[0];
    const offering = (await env.cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
    const template = (await env.cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
    const ids: string[] = [];
    for (let i = 0; i < VMS; i++) {
      const vm = await env.cs.done('deployVirtualMachine', {
        zoneid: zone.id,
        serviceofferingid: offering.id,
        templateid: template.id,
        name: `race-${i}`,
      });
      ids.push(vm.virtualmachine.id);
    }

    const rand = mulberry32(Number(process.env.NUBE_PROOF_SEED ?? 20240601));
    const plan = Array.from({ length: CALLS }, () => ({
      id: ids[Math.floor(rand() * ids.length)]!,
      op: pickOp(rand()),
      delay: Math.floor(rand() * WINDOW_MS),
    }));

    const doubles: string[] = [];
    let sampling = true;
    let samples = 0;
    const sampler = (async () => {
      while (sampling) {
        for (const d of await doubleWriters(db)) doubles.push(`${d.object_id} had ${d.n} open exclusive tasks`);
        samples++;
        await new Promise((r) => setTimeout(r, 1));
      }
    })();

    const answers = await Promise.all(
      plan.map(async (p) => {
        await new Promise((r) => setTimeout(r, p.delay));
        const r = await env.cs.call(p.op, { id: p.id });
        return { ...p, status: r.status, body: r.body, raw: r.raw };
      }),
    );
    const jobIds = answers.filter((a) => a.status === 200).map((a) => a.body.jobid as string);
    assert.ok(await waitAllTerminal(db, 60_000), 'every job ends');
    sampling = false;
    await sampler;

    const odd = answers.filter((a) => !(a.status === 200 && typeof a.body?.jobid === 'string') && a.status !== 431);
    assert.deepEqual(
      odd.map((a) => `${a.op} ${a.id}: ${a.status} ${a.raw}`),
      [],
      'every call answers 200 with a jobid or 431',
    );
    for (const a of answers.filter((x) => x.status === 431)) assert.equal(typeof a.body.errortext, 'string');
    const reasons = new Map<string, number>();
    for (const a of answers.filter((x) => x.status === 431)) {
      const why = /busy|changed state/.test(a.body.errortext)
        ? 'busy'
        : /Cannot/.test(a.body.errortext)
          ? 'wrong state'
          : /not find|not found|does not exist/i.test(a.body.errortext)
            ? 'gone'
            : String(a.body.errortext);
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
    }
    t.diagnostic(
      `${jobIds.length} calls accepted, 431: ${[...reasons].map(([k, v]) => `${v} ${k}`).join(', ')}; ${samples} samples of open tasks`,
    );
    assert.ok(jobIds.length >= VMS, 'many calls were accepted');
    assert.ok(
      answers.some((a) => a.status === 431),
      'some calls collided and were refused',
    );

    assert.deepEqual(doubles, [], 'no VM ever had two open exclusive tasks');
    const index =
      env.rt.store.kind === 'postgres'
        ? await sql<{
            name: string;
          }>`select indexname as name from pg_indexes where indexname = 'tasks_one_writer'`.execute(db)
        : await sql<{
            name: string;
          }>`select name from sqlite_master where type = 'index' and name = 'tasks_one_writer'`.execute(db);
    assert.equal(index.rows.length, 1, 'the one-writer unique index exists');

    for (const id of jobIds) {
      const j = await env.cs.ok('queryAsyncJobResult', { jobid: id });
      assert.ok(
        j.jobstatus === 1 || (j.jobstatus === 2 && j.jobresult.errortext),
        `job ${id} ended: ${JSON.stringify(j)}`,
      );
    }

    // Per VM, the log of exclusive tasks alternates PENDING, terminal: no task was created while another was open.
    const exclusive = await db
      .selectFrom('task_log')
      .innerJoin('tasks', 'tasks.id', 'task_log.task_id')
      .select(['task_log.object_id', 'task_log.status', 'task_log.task_id'])
      .where('tasks.exclusive', '=', 1)
      .where('task_log.object_id', 'in', ids)
      .orderBy('task_log.id')
      .execute();
    for (const id of ids) {
      const seq = exclusive.filter((e) => e.object_id === id);
      for (let i = 0; i < seq.length; i++) {
        const e = seq[i]!;
        if (i % 2 === 0) assert.equal(e.status, 'PENDING', `vm ${id}: entry ${i} opens a task`);
        else
          assert.ok(
            e.status !== 'PENDING' && e.task_id === seq[i - 1]!.task_id,
            `vm ${id}: entry ${i} closes the task opened before it`,
          );
      }
    }

    const listed = await env.cs.ok('listVirtualMachines', { ids: ids.join(',') });
    for (const vm of listed.virtualmachine)
      assert.ok(vm.state === 'Running' || vm.state === 'Stopped', `vm ${vm.id} rests (${vm.state})`);
    const destroyed = answers.filter((a) => a.op === 'destroyVirtualMachine' && a.status === 200).map((a) => a.id);
    assert.equal(listed.count, ids.length - new Set(destroyed).size, 'exactly the destroyed VMs are gone');
    assert.deepEqual(await checkInvariants(db), []);
  },
);

test('48 deploys sent at once in one account and network all run, each with its own serial and address, and every count adds up', async () => {
  const db = env.rt.store.db;
  const zone = (await env.cs.ok('listZones')).zone[0];
  const offering = (await env.cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
  const template = (await env.cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  const before = (await env.cs.ok('listVirtualMachines')).count ?? 0;
  const deployed = await Promise.all(
    Array.from({ length: 48 }, (_, i) =>
      env.cs.done('deployVirtualMachine', {
        zoneid: zone.id,
        serviceofferingid: offering.id,
        templateid: template.id,
        name: `burst-${i}`,
      }),
    ),
  );
  for (const d of deployed) assert.equal(d.virtualmachine.state, 'Running', d.virtualmachine.name);
  const ids = deployed.map((d) => d.virtualmachine.id as string);
  const rows = await db.selectFrom('vms').select(['id', 'serial']).where('id', 'in', ids).execute();
  assert.equal(new Set(rows.map((r) => Number(r.serial))).size, 48, 'every VM has its own serial');
  const addresses = deployed.map((d) => d.virtualmachine.nic[0].ipaddress as string);
  assert.equal(new Set(addresses).size, 48, 'every VM has its own address');
  assert.equal((await env.cs.ok('listVirtualMachines')).count, before + 48, 'the list counts every new VM');
  assert.deepEqual(await checkInvariants(db), []);
});
