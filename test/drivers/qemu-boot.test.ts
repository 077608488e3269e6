import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { QEMU_GUEST_TEMPLATE } from '../../src/drivers/compute/qemu/seed.js';
import { snapshotNames } from '../../src/drivers/storage/qemu-img.js';
import { sigmaUser } from '../dialects/cloudsigma/sigma-client.js';

const HAVE_QEMU =
  spawnSync('qemu-system-x86_64', ['--version']).status === 0 && spawnSync('qemu-img', ['--version']).status === 0;
const SKIP = HAVE_QEMU
  ? false
  : 'qemu-system-x86_64 / qemu-img not installed (apt-get install -y qemu-system-x86 qemu-utils)';

let env: TestEnv;
let adminAuth: string;
before(
  async () => {
    if (!HAVE_QEMU) return;
    env = await startTestEnv({
      NUBE_DRIVER: 'qemu',
      NUBE_QEMU_STOP_TIMEOUT_MS: '30000',
      NUBE_MASTER_KEY: randomBytes(32).toString('hex'),
    });
    const a = await env.rt.core.accounts.createAccount('ops', { admin: true, password: 'ops-password' });
    adminAuth = 'Basic ' + Buffer.from(`${a.user.email}:ops-password`).toString('base64');
  },
  { timeout: 120000 },
);
after(async () => {
  if (env) await env.close();
});

async function consoleOf(id: string): Promise<{ status: number; body: string }> {
  const r = await env.app.inject({ url: `/admin/vms/${id}/console`, headers: { authorization: adminAuth } });
  return { status: r.statusCode, body: r.body };
}

async function waitConsole(id: string, re: RegExp, timeoutMs = 120000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await consoleOf(id);
    if (re.test(c.body)) return c.body;
    if (Date.now() > deadline) throw new Error(`console never matched ${re} within ${timeoutMs} ms:\n${c.body}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test(
  'with NUBE_DRIVER=qemu the built guest template is featured, checksummed, and the hosts are this machine with its accelerator and capacity',
  { skip: SKIP },
  async () => {
    const tpl = (await env.cs.ok('listTemplates', { templatefilter: 'featured', name: QEMU_GUEST_TEMPLATE })).template;
    assert.equal(tpl.length, 2, 'listed once per zone');
    assert.equal(new Set(tpl.map((t: { id: string }) => t.id)).size, 1);
    const row = await env.rt.store.db
      .selectFrom('templates')
      .select('checksum')
      .where('id', '=', tpl[0].id)
      .executeTakeFirstOrThrow();
    assert.match(row.checksum ?? '', /^sha256:[0-9a-f]{64}$/);
    const hosts = await env.rt.store.db
      .selectFrom('hosts')
      .select(['details', 'zone_id', 'cpu_count', 'mem_total'])
      .execute();
    assert.ok(hosts.every((h) => /"accel":"(KVM|TCG)"/.test(h.details)));
    assert.equal(hosts.length, new Set(hosts.map((h) => h.zone_id)).size, 'one host per zone: this machine');
    assert.ok(
      hosts.every((h) => Number(h.cpu_count) === cpus().length && Number(h.mem_total) === totalmem() - 1024 ** 3),
      "hosts have this machine's CPUs and memory (less 1 GiB for the host)",
    );
  },
);

test(
  'a plain CloudStack deploy boots a real guest: hostname, userdata and data-disk bytes show on its console; stop is an ACPI power-off',
  { skip: SKIP, timeout: 300000 },
  async () => {
    const zone = (await env.cs.ok('listZones')).zone[0];
    const offering = (await env.cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
    const template = (await env.cs.ok('listTemplates', { templatefilter: 'featured', name: QEMU_GUEST_TEMPLATE }))
      .template[0];
    const script =
      'echo "userdata says hi from $(hostname)"\nfor d in /dev/vd?; do dd if=$d bs=64 count=1 2>/dev/null | tr -d "\\000" | grep -a "DISK-BYTES" ; done\n';
    const vm = (
      await env.cs.job(
        'deployVirtualMachine',
        {
          zoneid: zone.id,
          serviceofferingid: offering.id,
          templateid: template.id,
          name: 'guest-one',
          startvm: false,
          userdata: Buffer.from(script).toString('base64'),
        },
        60000,
      )
    ).jobresult.virtualmachine;
    assert.equal((await consoleOf(vm.id)).body, '', 'no console before the first boot');
    const diskOffering = (await env.cs.ok('listDiskOfferings', { name: 'Small' })).diskoffering[0];
    const vol = (await env.cs.done('createVolume', { zoneid: zone.id, diskofferingid: diskOffering.id, name: 'data1' }))
      .volume;
    await env.cs.done('attachVolume', { id: vol.id, virtualmachineid: vm.id });
    const marker = `DISK-BYTES-${Date.now()}`;
    await env.rt.core.deps.storage!.write(vol.id, 0, Buffer.from(marker), Number(vol.size));

    const t0 = Date.now();
    const started = await env.cs.job('startVirtualMachine', { id: vm.id }, 120000);
    assert.equal(started.jobstatus, 1, JSON.stringify(started.jobresult));
    const text = await waitConsole(vm.id, /NUBE-USERDATA-END/);
    assert.match(text, /NUBE-GUEST-READY guest-one/);
    assert.match(text, /userdata says hi from guest-one/);
    assert.ok(text.includes(marker), 'the bytes written to the volume are read inside the guest');
    process.stdout.write(`# deploy to ready line: ${Date.now() - t0} ms\n`);
    const ip = vm.nic[0].ipaddress as string;
    await waitConsole(vm.id, new RegExp(`NUBE-GUEST-NET eth0 ${ip.replace(/\./g, '\\.')}`), 60000);
    const m = await env.rt.driver.metrics(vm.id);
    assert.ok(
      m.netRxBytes > 0 && m.netTxBytes > 0,
      `the guest's DHCP exchange is counted both ways: ${JSON.stringify(m)}`,
    );
    assert.ok(
      m.cpuTimeMs > 0 && m.memoryUsedBytes > 0 && m.diskReadBytes > 0,
      'CPU, memory and disk counters come from the QEMU process',
    );
    assert.equal((await env.cs.ok('listVirtualMachines', { id: vm.id })).virtualmachine[0].state, 'Running');
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/cli-main.ts', 'vm', 'console', vm.id], {
      // No NUBE_DRIVER: the CLI reads the driver from the store.
      env: {
        ...process.env,
        NUBE_DATA_DIR: env.config.dataDir,
        NUBE_MASTER_KEY: env.config.masterKey!,
        ...(env.config.databaseUrl ? { DATABASE_URL: env.config.databaseUrl } : {}),
      },
      encoding: 'utf8',
      timeout: 60000,
    });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /NUBE-GUEST-READY guest-one/, '`nube vm console <id>` prints the guest console');

    const stopped = await env.cs.job('stopVirtualMachine', { id: vm.id }, 60000);
    assert.equal(stopped.jobstatus, 1);
    assert.match(
      (await consoleOf(vm.id)).body,
      /reboot: Power down/,
      'the guest powered itself off on the ACPI request',
    );
    assert.equal(await env.rt.driver.status(vm.id), 'stopped');
    assert.equal((await env.cs.job('destroyVirtualMachine', { id: vm.id, expunge: true }, 60000)).jobstatus, 1);
    assert.equal(await env.rt.driver.status(vm.id), 'absent');
    assert.equal((await consoleOf(vm.id)).status, 404);
  },
);

test(
  "guest disks are the volume storage's qcow2 images: live reads and writes, live snapshot, revert after stop",
  { skip: SKIP, timeout: 300000 },
  async () => {
    const storage = env.rt.core.deps.storage!;
    const zone = (await env.cs.ok('listZones')).zone[0];
    const offering = (await env.cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
    const template = (await env.cs.ok('listTemplates', { templatefilter: 'featured', name: QEMU_GUEST_TEMPLATE }))
      .template[0];
    const script =
      [
        'printf "ROOT-MARK-%s" "$(hostname)" | dd of=/dev/vda bs=512 seek=2048 conv=notrunc 2>/dev/null; sync; echo ROOT-WRITTEN',
        'i=0; while [ $i -lt 240 ]; do echo 3 > /proc/sys/vm/drop_caches; b=$(dd if=/dev/vdb bs=64 count=1 2>/dev/null | tr -d "\\000"); case "$b" in LIVE-*) echo "SAW $b"; break;; esac; i=$((i+1)); sleep 1; done',
        'i=0; while [ $i -lt 240 ]; do for d in /dev/vd?; do b=$(dd if=$d bs=64 count=1 2>/dev/null | tr -d "\\000"); case "$b" in HOT-*) echo "SAW $b on $d"; i=999;; esac; done; i=$((i+1)); sleep 1; done',
      ].join('\n') + '\n';
    const vm = (
      await env.cs.job(
        'deployVirtualMachine',
        {
          zoneid: zone.id,
          serviceofferingid: offering.id,
          templateid: template.id,
          name: 'guest-two',
          startvm: false,
          userdata: Buffer.from(script).toString('base64'),
        },
        60000,
      )
    ).jobresult.virtualmachine;
    const diskOffering = (await env.cs.ok('listDiskOfferings', { name: 'Small' })).diskoffering[0];
    const vol = (await env.cs.done('createVolume', { zoneid: zone.id, diskofferingid: diskOffering.id, name: 'data2' }))
      .volume;
    await env.cs.done('attachVolume', { id: vol.id, virtualmachineid: vm.id });
    const st = await env.cs.job('startVirtualMachine', { id: vm.id }, 120000);
    assert.equal(st.jobstatus, 1, JSON.stringify(st.jobresult));
    const root = (await env.cs.ok('listVolumes', { virtualmachineid: vm.id, type: 'ROOT' })).volume[0];
    const rootFile = join(env.config.dataDir, 'volumes', `${root.id}.qcow2`);
    assert.ok(existsSync(rootFile), "the root disk is the ROOT volume's image in the volume storage");
    assert.match(
      execFileSync('qemu-img', ['info', '-U', rootFile], { encoding: 'utf8' }),
      /backing file: .*disk\.qcow2/,
      'an overlay on the template image',
    );

    await waitConsole(vm.id, /ROOT-WRITTEN/);
    const rootBytes = await storage.read(root.id, 1024 * 1024, 64, Number(root.size));
    assert.match(
      rootBytes.toString('latin1'),
      /^ROOT-MARK-guest-two/,
      'bytes the running guest wrote are read through the storage',
    );

    const first = `LIVE-${Date.now()}`;
    await storage.write(vol.id, 0, Buffer.from(first), Number(vol.size));
    await waitConsole(vm.id, new RegExp(`SAW ${first}`), 60000);
    const snap = (await env.cs.done('createSnapshot', { volumeid: vol.id })).snapshot;
    assert.equal(snap.state, 'BackedUp');
    assert.deepEqual(
      await snapshotNames(join(env.config.dataDir, 'volumes', `${vol.id}.qcow2`)),
      [snap.id],
      'a qcow2 internal snapshot taken live',
    );
    await storage.write(vol.id, 0, Buffer.from('LATER-BYTES'), Number(vol.size));

    const hot = (await env.cs.done('createVolume', { zoneid: zone.id, diskofferingid: diskOffering.id, name: 'hot' }))
      .volume;
    const hotMark = `HOT-${Date.now()}`;
    await storage.write(hot.id, 0, Buffer.from(hotMark), Number(hot.size));
    await env.cs.done('attachVolume', { id: hot.id, virtualmachineid: vm.id });
    await waitConsole(vm.id, new RegExp(`SAW ${hotMark}`), 60000);
    const detached = await env.cs.job('detachVolume', { id: hot.id }, 60000);
    assert.equal(detached.jobstatus, 1, JSON.stringify(detached.jobresult));
    const disks = JSON.parse(readFileSync(join(env.config.dataDir, 'vms', vm.id, 'disks.json'), 'utf8')) as Record<
      string,
      string
    >;
    assert.equal(disks[hot.id], undefined, 'the hot-unplugged disk left the running VM');
    await storage.write(hot.id, 0, Buffer.from('AFTER-UNPLUG'), Number(hot.size));
    assert.equal(
      (await storage.read(hot.id, 0, 12)).toString(),
      'AFTER-UNPLUG',
      'a detached volume is served by its own NBD server again',
    );

    assert.equal((await env.cs.job('stopVirtualMachine', { id: vm.id, forced: true }, 60000)).jobstatus, 1);
    assert.equal((await storage.read(vol.id, 0, 11)).toString(), 'LATER-BYTES');
    assert.equal((await env.cs.job('revertSnapshot', { id: snap.id }, 60000)).jobstatus, 1);
    assert.equal(
      (await storage.read(vol.id, 0, first.length)).toString(),
      first,
      "revert brings the snapshot's bytes back",
    );

    assert.equal((await env.cs.job('destroyVirtualMachine', { id: vm.id, expunge: true }, 60000)).jobstatus, 1);
    assert.equal(existsSync(rootFile), false, 'the root image goes with the VM');
  },
);

test(
  "a CloudSigma server (drives only, no ROOT volume) boots a real guest; its drive bytes written through the API are the guest's disk",
  { skip: SKIP, timeout: 300000 },
  async () => {
    const sigma = await sigmaUser(env, 'sigma-qemu');
    const drive = (await sigma.post('/drives/create', { name: 'boot', size: '64M' })).record.drive!;
    await sigma.post(`/drives/${drive}/write/1M`, Buffer.from('SIGMA-DRIVE-BYTES'), 204, {
      'content-type': 'application/octet-stream',
    });
    const s = (
      await sigma.post('/servers/create', {
        name: 'sigma-guest',
        cpu: '1000',
        mem: '256',
        'ide:0:0': drive,
        boot: 'ide:0:0',
        'nic:0:mac': '02:00:5e:00:00:42',
      })
    ).record;
    assert.equal((await sigma.post(`/servers/${s.server}/start`)).record.status, 'active');
    const text = await waitConsole(s.server!, /NUBE-GUEST-NET eth0/);
    assert.match(text, /NUBE-GUEST-READY server-\d+/);
    const disks = JSON.parse(readFileSync(join(env.config.dataDir, 'vms', s.server!, 'disks.json'), 'utf8')) as Record<
      string,
      string
    >;
    assert.equal(disks[drive], 'vd1', 'the boot drive is the first virtio disk');
    const live = await sigma.req('GET', `/drives/${drive}/read/1M/17`);
    assert.equal(live.raw.toString(), 'SIGMA-DRIVE-BYTES', "read back through the running guest's own NBD export");
    const cmd = readFileSync(
      `/proc/${readFileSync(join(env.config.dataDir, 'vms', s.server!, 'qemu.pid'), 'utf8').trim()}/cmdline`,
      'utf8',
    );
    assert.ok(cmd.includes('mac=02:00:5e:00:00:42'), 'the guest NIC has the MAC chosen through CloudSigma');
    assert.equal((await sigma.req('POST', `/servers/${s.server}/stop`)).status, 204);
    assert.equal((await sigma.req('POST', `/servers/${s.server}/destroy`)).status, 204);
    const after = (await sigma.get(`/drives/${drive}/info`)).record;
    assert.equal(after.claimed ?? '', '', 'the drive outlives its server, unclaimed');
    assert.equal((await sigma.req('GET', `/drives/${drive}/read/1M/17`)).raw.toString(), 'SIGMA-DRIVE-BYTES');
  },
);
