/** `nube reset` from another process while `nube serve` runs on the same store: the server answers from the fresh state at once; --credentials rewrites credentials.json with keys the server accepts. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshDatabase } from '../support/runtime.js';
import { serve } from '../support/cli-process.js';
import { CsClient } from '../support/cs-client.js';
import { overHttp } from '../support/url-client.js';

const drops: Array<() => Promise<void>> = [];
after(async () => {
  for (const d of drops) await d();
});

function nube(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'test/support/cli-main.ts', ...args],
      { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** A CloudStack client of the test kit talking to the server listening on port. */
function httpClient(port: number, key: string, secret: string): CsClient {
  return new CsClient(overHttp(`http://127.0.0.1:${port}`), key, secret);
}

test('nube reset against a running server: VMs gone and a fresh catalog served; --credentials rewrites credentials.json', async () => {
  const db = await freshDatabase();
  drops.push(db.drop);
  const s = await serve(db.env);
  const file = join(db.env.NUBE_DATA_DIR!, 'credentials.json');
  const creds = JSON.parse(readFileSync(file, 'utf8'));
  const cs = httpClient(s.port, creds.cloudstack.key, creds.cloudstack.secret);
  const zone = (await cs.ok('listZones')).zone[0];
  const offering = (await cs.ok('listServiceOfferings', { name: 'Tiny' })).serviceoffering[0];
  const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  await cs.done('deployVirtualMachine', { zoneid: zone.id, serviceofferingid: offering.id, templateid: template.id });

  const r = await nube(db.env, 'reset');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).admin, 'kept');
  assert.equal(readFileSync(file, 'utf8'), JSON.stringify(creds, null, 2) + '\n', 'credentials.json is left as it was');
  assert.equal((await cs.ok('listVirtualMachines')).count ?? 0, 0);
  // The server's catalog cache follows the reset made by another process (it re-checks within 250 ms).
  await new Promise((res) => setTimeout(res, 300));
  const zones = (await cs.ok('listZones')).zone;
  assert.ok(
    zones.some((z: any) => z.id === zone.id),
    'the fresh catalog keeps its stable ids',
  );
  const fresh = (await cs.ok('listServiceOfferings', { name: 'Tiny' })).serviceoffering[0];
  const tpl = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  const vm = await cs.done('deployVirtualMachine', {
    zoneid: zones[0].id,
    serviceofferingid: fresh.id,
    templateid: tpl.id,
  });
  assert.equal(vm.virtualmachine.state, 'Running');

  const again = await nube(db.env, 'reset', '--credentials');
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).admin, 'issued');
  const next = JSON.parse(readFileSync(file, 'utf8'));
  assert.notEqual(next.cloudstack.key, creds.cloudstack.key);
  assert.equal(next.cloudstack.endpoint, creds.cloudstack.endpoint);
  await new Promise((res) => setTimeout(res, 2100)); // the server trusts a key pair it checked for two seconds
  assert.equal((await cs.call('listZones')).status, 401, 'the old key pair is refused');
  const cs2 = httpClient(s.port, next.cloudstack.key, next.cloudstack.secret);
  assert.equal((await cs2.ok('listVirtualMachines')).count ?? 0, 0);
  s.child.kill('SIGTERM');
});
