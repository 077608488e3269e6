import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { CONFORMANCE } from '../../src/drivers/compute/conformance.js';
import type { ComputeDriver, VmSpec } from '../../src/drivers/compute/driver.js';
import { SimDriver } from '../../src/drivers/compute/sim/driver.js';
import { QemuDriver } from '../../src/drivers/compute/qemu/driver.js';
import { vmPaths } from '../../src/drivers/compute/qemu/process.js';

const HAVE_QEMU =
  spawnSync('qemu-system-x86_64', ['--version']).status === 0 && spawnSync('qemu-img', ['--version']).status === 0;
const SKIP_QEMU = HAVE_QEMU
  ? false
  : 'qemu-system-x86_64 / qemu-img not installed (apt-get install -y qemu-system-x86 qemu-utils)';

let env: TestEnv;
let dataDir: string;
let templateDir: string;
before(async () => {
  env = await startTestEnv();
  dataDir = mkdtempSync(join(tmpdir(), 'nube-qemu-'));
  templateDir = join(dataDir, 'template');
});
after(async () => {
  if (HAVE_QEMU) {
    const q = new QemuDriver({ dataDir, templateDir, accel: 'auto', stopTimeoutMs: 1000 });
    for (const id of await q.running()) await q.destroy(id);
  }
  rmSync(dataDir, { recursive: true, force: true });
  await env.close();
});

function spec(): VmSpec {
  const id = randomUUID();
  return {
    id,
    serial: 1,
    hostname: `conf-${id.slice(0, 8)}`,
    hostId: randomUUID(),
    cpus: 1,
    cpuMhz: 2198,
    memoryMb: 128,
    volumes: [{ id: randomUUID(), deviceId: 0, size: 1024 ** 3, type: 'ROOT', templateId: null }],
    nics: [],
    userdata: null,
  };
}

/** Waits until the VM's console shows the guest's ready line. */
async function readyLine(driver: ComputeDriver, vmId: string, timeoutMs = 120000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = (await driver.console?.(vmId)) ?? '';
    if (/NUBE-GUEST-READY \S+/.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`no ready line within ${timeoutMs} ms; console:\n${text}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('sim driver conformance', () => {
  for (const c of CONFORMANCE) {
    test(c.name, async () => {
      await c.run({ driver: new SimDriver(env.rt.store, { delayMs: 0 }), spec: spec(), booted: async () => undefined });
    });
  }
});

describe('qemu driver conformance', { skip: SKIP_QEMU }, () => {
  for (const c of CONFORMANCE) {
    test(c.name, { timeout: 240000 }, async () => {
      const driver = new QemuDriver({ dataDir, templateDir, accel: 'auto', stopTimeoutMs: 30000 });
      await c.run({
        driver,
        spec: spec(),
        booted: async (id) => {
          await readyLine(driver, id);
        },
      });
    });
  }

  test(
    'a restarted driver re-adopts a running QEMU instead of starting another; a VM whose process died is stopped',
    { timeout: 240000 },
    async () => {
      const s = spec();
      const first = new QemuDriver({ dataDir, templateDir, accel: 'auto', stopTimeoutMs: 30000 });
      await first.start(s);
      const text = await readyLine(first, s.id);
      assert.match(text, new RegExp(`NUBE-GUEST-READY ${s.hostname}`), 'the guest takes its hostname from the VM');
      const pid = readFileSync(vmPaths(dataDir, s.id).pidfile, 'utf8').trim();
      const second = new QemuDriver({ dataDir, templateDir, accel: 'auto', stopTimeoutMs: 30000 });
      assert.equal(await second.status(s.id), 'running');
      assert.ok((await second.running()).includes(s.id));
      await second.start(s);
      assert.equal(readFileSync(vmPaths(dataDir, s.id).pidfile, 'utf8').trim(), pid, 'no second QEMU for the same VM');
      assert.equal(
        spawnSync('pgrep', ['-f', `nube-${s.id}`], { encoding: 'utf8' })
          .stdout.trim()
          .split('\n').length,
        1,
      );
      process.kill(Number(pid), 'SIGKILL');
      const deadline = Date.now() + 10000;
      while ((await second.status(s.id)) !== 'stopped' && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      assert.equal(await second.status(s.id), 'stopped');
      await second.destroy(s.id);
      assert.equal(await second.status(s.id), 'absent');
    },
  );
});

test('the console endpoint needs admin credentials, 404s unknown VMs and says when the driver keeps no console (sim)', async () => {
  const a = await env.rt.core.accounts.createAccount('console-ops', { admin: true, password: 'ops-password' });
  const auth = 'Basic ' + Buffer.from(`${a.user.email}:ops-password`).toString('base64');
  assert.equal((await env.app.inject({ url: `/admin/vms/${randomUUID()}/console` })).statusCode, 401);
  assert.equal(
    (await env.app.inject({ url: `/admin/vms/${randomUUID()}/console`, headers: { authorization: auth } })).statusCode,
    404,
  );
  const zone = (await env.cs.ok('listZones')).zone[0];
  const offering = (await env.cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
  const template = (await env.cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  const vm = (
    await env.cs.done('deployVirtualMachine', {
      zoneid: zone.id,
      serviceofferingid: offering.id,
      templateid: template.id,
      name: 'simvm',
    })
  ).virtualmachine;
  const r = await env.app.inject({ url: `/admin/vms/${vm.id}/console`, headers: { authorization: auth } });
  assert.equal(r.statusCode, 400);
  assert.match(r.json().error, /sim compute driver captures no serial console/);
});
