import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshDatabase } from '../support/runtime.js';
import { nube, serve } from '../support/cli-process.js';
import { HttpCs } from '../proof/http-cs.js';
import { until } from '../support/until.js';

test('admin chaos add, list, load and clear change a running serve', async () => {
  const db = await freshDatabase();
  let s: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    s = await serve(db.env);
    const carol = JSON.parse(nube(db.env, 'admin', 'account', 'create', 'carol').stdout);
    // A fresh connection per call: the serve closes connections left idle while a CLI command runs.
    const listZones = async () => {
      const cs = new HttpCs(`http://127.0.0.1:${s!.port}`, carol.cloudstack.key, carol.cloudstack.secret, 1);
      try {
        return await cs.call('listZones');
      } finally {
        await cs.pool.close();
      }
    };
    assert.equal((await listZones()).status, 200);

    const add = nube(
      db.env,
      'admin',
      'chaos',
      'add',
      'error',
      '--dialect',
      'cloudstack',
      '--operation',
      'listZones',
      '--reason',
      'conflict',
      '--count',
      '2',
      '--seed',
      '5',
    );
    assert.equal(add.status, 0, add.stderr);
    const added = JSON.parse(add.stdout);
    assert.deepEqual(
      [added.rule.kind, added.rule.reason, added.rule.remaining, added.seed],
      ['error', 'conflict', 2, 5],
    );
    const failed = await until('serve applies the rule', async () => {
      const r = await listZones();
      return r.status === 431 || r.status === 530 ? r : undefined;
    });
    assert.match(JSON.stringify(failed.body), /busy with another operation \(simulated\)/);

    const file = join(db.env.NUBE_DATA_DIR!, 'chaos.json');
    writeFileSync(file, JSON.stringify({ seed: 9, delays: [{ operation: 'start', ms: 10, jitter: 5 }] }));
    const load = nube(db.env, 'admin', 'chaos', 'load', file);
    assert.equal(load.status, 0, load.stderr);
    const listed = JSON.parse(nube(db.env, 'admin', 'chaos', 'list').stdout);
    assert.equal(listed.seed, 9);
    assert.deepEqual(listed.delays, [{ operation: 'start', ms: 10, jitter: 5 }]);
    assert.equal(listed.rules[0].id, added.rule.id);

    const bad = nube(db.env, 'admin', 'chaos', 'add', 'error', '--rate', '3');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /rate must be a number from 0 to 1/);

    assert.deepEqual(JSON.parse(nube(db.env, 'admin', 'chaos', 'clear').stdout), { removed: 1 });
    assert.deepEqual(JSON.parse(nube(db.env, 'admin', 'chaos', 'delay', 'clear').stdout), { removed: 1 });
    await until('serve lets listZones through again', async () => (await listZones()).status === 200);
  } catch (err) {
    process.stderr.write(`serve said: ${s?.out()}\n`);
    throw err;
  } finally {
    await db.drop();
  }
});
