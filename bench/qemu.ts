/** qemu driver figures (issue 3): deploy → `NUBE-GUEST-READY` on the serial console, and host memory of idle guests, against a real `nube serve`. */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { HttpCs } from '../test/proof/http-cs.js';
import { QEMU_GUEST_TEMPLATE } from '../src/drivers/compute/qemu/seed.js';

/** What one run measured: per VM, in deploy order. */
export interface QemuFigures {
  accel: string;
  qemuVersion: string;
  offering: string;
  memoryMb: number;
  idleSeconds: number;
  /** Milliseconds from the deployVirtualMachine call to the ready line on the console. */
  readyMs: number[];
  /** Milliseconds from the deployVirtualMachine call to its async job reporting success (VM Running). */
  jobMs: number[];
  /** VmRSS and Pss (smaps_rollup) in KiB of each qemu-system-x86_64 process, sampled after the idle wait. */
  rssKiB: number[];
  pssKiB: number[];
}

const BINARIES = ['qemu-system-x86_64', 'qemu-img'];

/** Why the qemu figures cannot be measured here (a missing binary), or null when they can. */
export function qemuMissing(): string | null {
  for (const b of BINARIES)
    if (spawnSync(b, ['--version'], { stdio: 'ignore' }).status !== 0)
      return `${b} is not installed (apt-get install -y qemu-system-x86 qemu-utils)`;
  return null;
}

/** The first line of `qemu-system-x86_64 --version`. */
function qemuVersion(): string {
  const out = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return /version (\S+)/.exec(out)?.[1] ?? 'unknown';
}

/** Pids of the QEMU processes of the VMs under dataDir (pidfile present and the process's command line naming that VM's directory). */
function qemuPids(dataDir: string): number[] {
  const root = join(dataDir, 'vms');
  let ids: string[];
  try {
    ids = readdirSync(root);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const id of ids) {
    try {
      const pid = Number(readFileSync(join(root, id, 'qemu.pid'), 'utf8').trim());
      if (Number.isInteger(pid) && pid > 1 && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join(root, id)))
        pids.push(pid);
    } catch {
      /* no pidfile or process gone */
    }
  }
  return pids;
}

/** SIGKILLs every QEMU still running for dataDir (they run daemonized and outlive `nube serve`). */
export function killQemus(dataDir: string): number {
  const pids = qemuPids(dataDir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  return pids.length;
}

function kib(pid: number, file: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
  if (!m) throw new Error(`/proc/${pid}/${file} has no ${field}`);
  return Number(m[1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Deploys `count` VMs one after the other (each boots alone; the earlier ones idle meanwhile), timing each from the deploy
 * call to its ready line, then waits `idleSeconds` and samples the memory of every QEMU process.
 */
export async function qemuFigures(
  baseUrl: string,
  dataDir: string,
  count: number,
  idleSeconds: number,
  log: (m: string) => void,
): Promise<QemuFigures> {
  const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as {
    cloudstack: { key: string; secret: string };
    cloudsigma: { user: string; password: string };
  };
  const cs = new HttpCs(baseUrl, creds.cloudstack.key, creds.cloudstack.secret, 2);
  const admin = new Pool(baseUrl, { connections: 1 });
  const auth = `Basic ${Buffer.from(`${creds.cloudsigma.user}:${creds.cloudsigma.password}`).toString('base64')}`;
  const adminGet = async (path: string): Promise<{ status: number; text: string }> => {
    const res = await admin.request({ method: 'GET', path, headers: { authorization: auth } });
    return { status: res.statusCode, text: await res.body.text() };
  };
  const vmIds: string[] = [];
  try {
    const hosts = await adminGet('/admin/hosts');
    const accel = /\\?"accel\\?":\s*\\?"(KVM|TCG)/i.exec(hosts.text)?.[1]?.toUpperCase() ?? 'unknown';
    const zone = (await cs.ok('listZones')).zone[0];
    const offering = (await cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
    const template = (await cs.ok('listTemplates', { templatefilter: 'featured', name: QEMU_GUEST_TEMPLATE }))
      .template?.[0];
    if (!template) throw new Error(`the featured template "${QEMU_GUEST_TEMPLATE}" is not listed`);
    const readyMs: number[] = [];
    const jobMs: number[] = [];
    for (let i = 0; i < count; i++) {
      const name = `bench-guest-${i + 1}`;
      const t0 = performance.now();
      const dep = await cs.ok('deployVirtualMachine', {
        zoneid: zone.id,
        serviceofferingid: offering.id,
        templateid: template.id,
        name,
      });
      vmIds.push(dep.id);
      const ready = new RegExp(`NUBE-GUEST-READY ${name}\\b`);
      const deadline = t0 + 180_000;
      let job: number | null = null;
      let text = '';
      for (;;) {
        if (job === null) {
          const r = await cs.ok('queryAsyncJobResult', { jobid: dep.jobid });
          if (r.jobstatus === 2) throw new Error(`deploy of ${name} failed: ${JSON.stringify(r.jobresult)}`);
          if (r.jobstatus === 1) job = performance.now() - t0;
        }
        const c = await adminGet(`/admin/vms/${dep.id}/console`);
        if (c.status === 200) text = c.text;
        if (ready.test(text)) break;
        if (performance.now() > deadline)
          throw new Error(`${name}: no ready line within 180 s; console:\n${text.slice(-2000)}`);
        await sleep(50);
      }
      const ms = performance.now() - t0;
      readyMs.push(ms);
      jobMs.push(job ?? ms);
      log(
        `qemu: ${name} ready line after ${Math.round(ms)} ms (deploy job done after ${Math.round(job ?? ms)} ms, ${accel})`,
      );
    }
    log(`qemu: ${count} guests idle, sampling memory in ${idleSeconds} s`);
    await sleep(idleSeconds * 1000);
    const pids = qemuPids(dataDir);
    if (pids.length !== count)
      throw new Error(`expected ${count} qemu processes under ${dataDir}, found ${pids.length}`);
    const rssKiB = pids.map((p) => kib(p, 'status', 'VmRSS'));
    const pssKiB = pids.map((p) => kib(p, 'smaps_rollup', 'Pss'));
    log(`qemu: VmRSS ${rssKiB.join(' / ')} KiB, Pss ${pssKiB.join(' / ')} KiB`);
    for (const id of vmIds.splice(0)) await destroy(cs, id);
    return {
      accel,
      qemuVersion: qemuVersion(),
      offering: offering.name,
      memoryMb: Number(offering.memory),
      idleSeconds,
      readyMs,
      jobMs,
      rssKiB,
      pssKiB,
    };
  } finally {
    for (const id of vmIds) await destroy(cs, id).catch(() => undefined);
    await cs.close();
    await admin.close();
  }
}

/** Destroys and expunges a VM through the API, waiting for its job. */
async function destroy(cs: HttpCs, id: string): Promise<void> {
  const r = await cs.ok('destroyVirtualMachine', { id, expunge: true });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const j = await cs.ok('queryAsyncJobResult', { jobid: r.jobid });
    if (j.jobstatus !== 0) return;
    await sleep(200);
  }
}
