import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase } from '../support/runtime.js';
import { nube, serve } from '../support/cli-process.js';
import { HttpCs } from '../proof/http-cs.js';

test("admin account set-limits raises and lowers an account's limits on a running serve; account limits shows them with the use", async () => {
  const db = await freshDatabase();
  try {
    const s = await serve(db.env);
    const carol = JSON.parse(nube(db.env, 'admin', 'account', 'create', 'carol').stdout);
    const cs = new HttpCs(`http://127.0.0.1:${s.port}`, carol.cloudstack.key, carol.cloudstack.secret, 4);
    const zone = (await cs.ok('listZones')).zone[0];
    const deploy = {
      zoneid: zone.id,
      serviceofferingid: (await cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0].id,
      templateid: (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0].id,
      startvm: false,
    };

    const set = nube(
      db.env,
      'admin',
      'account',
      'set-limits',
      'carol',
      '--vms',
      '1',
      '--ips',
      'unlimited',
      '--storage-gb',
      '500',
    );
    assert.equal(set.status, 0, set.stderr);
    const shown = JSON.parse(set.stdout);
    assert.deepEqual(shown.limits.vms, { max: 1, source: 'override', used: 0 });
    assert.deepEqual(shown.limits.ips, { max: -1, source: 'override', used: 0 });
    assert.equal(shown.limits.cpus.source, 'default');
    const limits = (await cs.ok('listResourceLimits')).resourcelimit;
    assert.deepEqual([limits[0].max, limits[1].max, limits[10].max], [1, -1, 500]);
    assert.equal((await cs.ok('listAccounts')).account[0].vmlimit, '1');

    assert.equal((await cs.call('deployVirtualMachine', deploy)).status, 200);
    const refused = await cs.call('deployVirtualMachine', deploy);
    assert.deepEqual([refused.status, refused.body.cserrorcode], [535, 4370]);
    assert.match(refused.body.errortext, /at most 1 virtual machines/);

    assert.equal(nube(db.env, 'admin', 'account', 'set-limits', 'carol', '--vms', '3').status, 0);
    assert.equal((await cs.call('deployVirtualMachine', deploy)).status, 200, 'a raised limit applies at once');
    const now = JSON.parse(nube(db.env, 'admin', 'account', 'limits', 'carol').stdout);
    assert.deepEqual(now.limits.vms, { max: 3, source: 'override', used: 2 });
    assert.deepEqual(now.limits.volumes.used, 2);
    assert.deepEqual(now.limits.storage_gb.used, 20);

    assert.equal(nube(db.env, 'admin', 'account', 'set-limits', 'carol', '--vms', '0').status, 0);
    assert.equal((await cs.call('deployVirtualMachine', deploy)).status, 535, 'a lowered limit applies at once');
    assert.equal((await cs.ok('listVirtualMachines')).count, 2, 'lowering a limit deletes nothing');
    const back = JSON.parse(nube(db.env, 'admin', 'account', 'set-limits', 'carol', '--vms', 'default').stdout);
    assert.equal(back.limits.vms.source, 'default');
    assert.equal((await cs.ok('listResourceLimits', { resourcetype: 0 })).resourcelimit[0].max, back.limits.vms.max);

    for (const [args, re] of [
      [['--vms', 'ten'], /--vms must be a whole number/],
      [['--gpus', '1'], /unknown option/],
      [[], /at least one limit/],
    ] as Array<[string[], RegExp]>) {
      const bad = nube(db.env, 'admin', 'account', 'set-limits', 'carol', ...args);
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, re);
      assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
    }
    const missing = nube(db.env, 'admin', 'account', 'limits', 'nobody');
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /account nobody not found/);
    await cs.close();
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));
  } finally {
    await db.drop();
  }
});
