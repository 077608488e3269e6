/** Backups: `nube state save` while a server runs and serves, then, on a fresh data dir given only the master key (a new machine), `nube state load` gives the same VM list and the same drive bytes. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freshDatabase } from '../support/runtime.js';
import { serve } from '../support/cli-process.js';
import { CsClient } from '../support/cs-client.js';
import { overHttp } from '../support/url-client.js';

const dir = mkdtempSync(join(tmpdir(), 'nube-backup-'));
const drops: Array<() => Promise<void>> = [];
after(async () => {
  for (const d of drops) await d();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI without blocking this process's event loop. */
function nube(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = execFile(
      process.execPath,
      ['--import', 'tsx', 'test/support/cli-main.ts', ...args],
      { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120000, maxBuffer: 1 << 26 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    p.stdin!.end(args[1] === 'drives' && args[2] === 'create' ? 'name restored-drive\nsize 4M\n' : '');
  });
}

/** A CloudStack client of the test kit talking to the server listening on port. */
function httpClient(port: number, key: string, secret: string): CsClient {
  return new CsClient(overHttp(`http://127.0.0.1:${port}`), key, secret);
}

test('a state saved from a running server restores on a fresh data dir with only the master key copied: same VM list, same drive bytes', async () => {
  const src = await freshDatabase();
  drops.push(src.drop);
  const a = await serve(src.env);
  const creds = JSON.parse(readFileSync(join(src.env.NUBE_DATA_DIR!, 'credentials.json'), 'utf8'));
  const cs = httpClient(a.port, creds.cloudstack.key, creds.cloudstack.secret);
  const zone = (await cs.ok('listZones')).zone[0];
  const offering = (await cs.ok('listServiceOfferings', { name: 'Tiny' })).serviceoffering[0];
  const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  await cs.done('deployVirtualMachine', {
    zoneid: zone.id,
    serviceofferingid: offering.id,
    templateid: template.id,
    name: 'kept-vm',
  });
  const sigma = (port: number) => ({
    CLOUDSIGMA_URL: `http://127.0.0.1:${port}`,
    CLOUDSIGMA_USER: creds.cloudsigma.user,
    CLOUDSIGMA_PASSWORD: creds.cloudsigma.password,
  });
  const made = await nube(sigma(a.port), 'cloudsigma', 'drives', 'create');
  assert.equal(made.code, 0, made.stderr);
  const drive = /^drive (\S+)$/m.exec(made.stdout)![1]!;
  const bytes = Buffer.concat([randomBytes(300 * 1024), Buffer.alloc(2 * 1024 * 1024), randomBytes(5000)]);
  writeFileSync(join(dir, 'in.img'), bytes);
  const up = await nube(sigma(a.port), 'cloudsigma', 'drives', 'upload', drive, join(dir, 'in.img'));
  assert.equal(up.code, 0, up.stderr);
  const vms = await cs.ok('listVirtualMachines');

  const file = join(dir, 'backup.tar');
  const saved = await nube(src.env, 'state', 'save', file);
  assert.equal(saved.code, 0, saved.stderr);
  assert.equal(JSON.parse(saved.stdout).saved, file);
  assert.equal((await cs.ok('listVirtualMachines')).count, 1, 'the server kept serving');
  a.child.kill('SIGTERM');

  // The new machine: an empty data dir (and database) with the master key file copied over.
  const dst = await freshDatabase();
  drops.push(dst.drop);
  copyFileSync(join(src.env.NUBE_DATA_DIR!, 'master.key'), join(dst.env.NUBE_DATA_DIR!, 'master.key'));
  const b = await serve(dst.env);
  const loaded = await nube(dst.env, 'state', 'load', file);
  assert.equal(loaded.code, 0, loaded.stderr);
  const cs2 = httpClient(b.port, creds.cloudstack.key, creds.cloudstack.secret);
  assert.deepEqual(await cs2.ok('listVirtualMachines'), vms);
  const out = join(dir, 'out.img');
  const down = await nube(sigma(b.port), 'cloudsigma', 'drives', 'download', drive, out);
  assert.equal(down.code, 0, down.stderr);
  assert.ok(readFileSync(out).subarray(0, bytes.length).equals(bytes), 'the drive bytes are restored');
  b.child.kill('SIGTERM');

  // Without the master key the file is refused with one line and exit code 2.
  const bare = await freshDatabase();
  drops.push(bare.drop);
  const c = await serve(bare.env);
  const refused = await nube(bare.env, 'state', 'load', file);
  c.child.kill('SIGTERM');
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^nube: The state file was refused: its secrets are sealed under another master key/m);
});
