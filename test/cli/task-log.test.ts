import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase } from '../support/runtime.js';
import { nube, serve } from '../support/cli-process.js';
import { HttpCs } from '../proof/http-cs.js';

test("admin tasks log lists an account's entries by name or id, filters by object, and refuses bad options", async () => {
  const db = await freshDatabase();
  try {
    const s = await serve(db.env);
    const carol = JSON.parse(nube(db.env, 'admin', 'account', 'create', 'carol').stdout);
    const cs = new HttpCs(`http://127.0.0.1:${s.port}`, carol.cloudstack.key, carol.cloudstack.secret, 4);
    const zone = (await cs.ok('listZones')).zone[0];
    const deploy = await cs.ok('deployVirtualMachine', {
      zoneid: zone.id,
      serviceofferingid: (await cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0].id,
      templateid: (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0].id,
      startvm: false,
    });
    const vmId = deploy.id as string;
    const byName = nube(db.env, 'admin', 'tasks', 'log', '--account', 'carol', '--object', vmId);
    assert.equal(byName.status, 0, byName.stderr);
    const log = JSON.parse(byName.stdout) as {
      count: number;
      entries: Array<{ taskId: string; status: string; objectId: string; accountId: string }>;
    };
    assert.ok(log.count >= 1 && log.entries.every((e) => e.objectId === vmId));
    assert.deepEqual(log.entries.filter((e) => e.taskId === deploy.jobid).map((e) => e.status)[0], 'PENDING');
    const accountId = log.entries[0]!.accountId;
    const byId = JSON.parse(nube(db.env, 'admin', 'tasks', 'log', '--account', accountId, '--object', vmId).stdout);
    assert.equal(byId.count, log.count);
    const everyone = JSON.parse(nube(db.env, 'admin', 'tasks', 'log', '--task', deploy.jobid).stdout);
    assert.ok(everyone.count >= 1 && everyone.entries.every((e: { taskId: string }) => e.taskId === deploy.jobid));
    for (const [args, re] of [
      [['--since', 'soon'], /--since must be an ISO 8601 time/],
      [['--account', 'nobody'], /account nobody not found/],
    ] as const) {
      const bad = nube(db.env, 'admin', 'tasks', 'log', ...args);
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, re);
    }
    await cs.close();
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));
  } finally {
    await db.drop();
  }
});
