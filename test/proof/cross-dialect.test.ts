import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { listen, wireCredentials, WireCs, WireCvm, WireRest, WireSigma } from './wire-dialects.js';
import { EsClient } from '../support/es-client.js';

/** The power states every dialect shows, in Nube's words; anything else is an operation still under way. */
type Power = 'running' | 'stopped';

/** A VM as one dialect lists it: the dialect's own id for it and its power state. */
interface Listed {
  ref: string;
  power: Power | 'transit';
}

/** The names a VM goes by: the name its owner gave it (CloudStack's displayname, CloudSigma's name) and its hostname (CloudStack's name, CVM's hostname). */
interface Names {
  display: string;
  host: string;
}

/** What one dialect offers for VMs, spoken over the wire. CVM has no create and no destroy (its client API lists, reports and powers VPSes only). */
interface Dialect {
  name: 'cloudstack' | 'cloudsigma' | 'cvm' | 'danube' | 'rest';
  create?(name: string): Promise<string>;
  find(vm: Names): Promise<Listed | undefined>;
  start(ref: string): Promise<void>;
  stop(ref: string): Promise<void>;
  destroy?(ref: string): Promise<void>;
  /** True when the dialect answers "not found" for the id it showed before. */
  gone(ref: string): Promise<boolean>;
}

let env: TestEnv;
let cs: WireCs;
let dialects: Dialect[];
let base: string;
/** An operator's Basic credentials, and the id of the account whose VMs the tests make. */
let opsAuth: string;
let ownerId: string;
before(async () => {
  env = await startTestEnv({ NUBE_SYNC_WAIT_MS: '20000', NUBE_RATE_LIMITS: 'off' });
  base = await listen(env);
  const creds = await wireCredentials(env, 'xavier');
  cs = new WireCs(base, creds.cloudstack.key, creds.cloudstack.secret, 4);
  ownerId = String((await cs.ok('listAccounts')).account[0].id);
  const ops = await env.rt.core.accounts.createAccount('ops', { admin: true, password: 'ops-password' });
  opsAuth = 'Basic ' + Buffer.from(`${ops.user.email}:ops-password`).toString('base64');
  const c = await catalog(cs);
  const sigma = new WireSigma(base, creds.cloudsigma.email, creds.cloudsigma.password);
  const cvm = new WireCvm(base, creds.cvm.publicToken, creds.cvm.privateToken);
  const es = new EsClient(`${base}/api`, { apiKey: creds.danube.apiKey });
  const image = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0].name as string;
  const net = (await cs.ok('listNetworks', { type: 'Shared' })).network[0].name as string;
  const rest = new WireRest(base, creds.rest.token);
  dialects = [cloudstack(cs, c), cloudsigma(sigma), cvmDialect(cvm), danube(es, image, net), restDialect(rest)];
});
after(async () => {
  await cs?.close();
  await env?.close();
});

/** The zone, the Micro offering and a featured template a CloudStack deploy names. */
interface Catalog {
  zoneId: string;
  offeringId: string;
  templateId: string;
}

/** Reads the deploy's catalog ids through CloudStack. */
async function catalog(api: WireCs): Promise<Catalog> {
  return {
    zoneId: (await api.ok('listZones')).zone[0].id,
    offeringId: (await api.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0].id,
    templateId: (await api.ok('listTemplates', { templatefilter: 'featured' })).template[0].id,
  };
}

/** CloudStack: signed commands, async jobs polled to their end; states Running and Stopped. */
function cloudstack(api: WireCs, c: Catalog): Dialect {
  const powerOf = (state: string): Listed['power'] =>
    state === 'Running' ? 'running' : state === 'Stopped' ? 'stopped' : 'transit';
  return {
    name: 'cloudstack',
    async create(name) {
      const vm = (
        await api.done('deployVirtualMachine', {
          zoneid: c.zoneId,
          serviceofferingid: c.offeringId,
          templateid: c.templateId,
          name,
        })
      ).virtualmachine;
      assert.equal(vm.state, 'Running');
      return vm.id;
    },
    async find(names) {
      const vms = ((await api.ok('listVirtualMachines')).virtualmachine ?? []) as Array<Record<string, any>>;
      const vm = vms.find((v) => v.displayname === names.display);
      if (!vm) return undefined;
      assert.equal(vm.name, names.host);
      assert.match(vm.id, /^[0-9a-f-]{36}$/);
      return { ref: vm.id, power: powerOf(vm.state) };
    },
    async start(ref) {
      assert.equal((await api.done('startVirtualMachine', { id: ref })).virtualmachine.state, 'Running');
    },
    async stop(ref) {
      assert.equal((await api.done('stopVirtualMachine', { id: ref })).virtualmachine.state, 'Stopped');
    },
    async destroy(ref) {
      await api.done('destroyVirtualMachine', { id: ref, expunge: true });
    },
    async gone(ref) {
      return ((await api.ok('listVirtualMachines', { id: ref })).virtualmachine ?? []).length === 0;
    },
  };
}

/** CloudSigma: text records; a server is active or stopped; start answers the record, stop and destroy 204. */
function cloudsigma(api: WireSigma): Dialect {
  const powerOf = (status: string): Listed['power'] =>
    status === 'active' ? 'running' : status === 'stopped' ? 'stopped' : 'transit';
  return {
    name: 'cloudsigma',
    async create(name) {
      const s = (await api.expect('POST', '/servers/create', { name, cpu: '1000', mem: '512' })).record;
      assert.equal(s.status, 'stopped');
      return s.server!;
    },
    async find(names) {
      const rec = (await api.expect('GET', '/servers/info')).records.find((r) => r.name === names.display);
      if (!rec) return undefined;
      assert.ok((await api.expect('GET', '/servers/list')).list.includes(rec.server!));
      assert.equal((await api.expect('GET', `/servers/${rec.server}/info`)).record.name, names.display);
      return { ref: rec.server!, power: powerOf(rec.status!) };
    },
    async start(ref) {
      assert.equal((await api.expect('POST', `/servers/${ref}/start`)).record.status, 'active');
    },
    async stop(ref) {
      await api.expect('POST', `/servers/${ref}/stop`, undefined, 204);
    },
    async destroy(ref) {
      await api.expect('POST', `/servers/${ref}/destroy`, undefined, 204);
    },
    async gone(ref) {
      return (await api.req('GET', `/servers/${ref}/info`)).status === 404;
    },
  };
}

/** CVM: VPSes by numeric id and hostname, every value a string; power calls wait and answer an empty response. */
function cvmDialect(api: WireCvm): Dialect {
  const ok = async (method: 'GET' | 'POST', path: string) => {
    const r = await api.call(method, path);
    assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(r.body)}`);
    return r.body.response;
  };
  return {
    name: 'cvm',
    async find(names) {
      const vps = ((await ok('GET', '/vps/list')).vpses as Array<Record<string, unknown>>).find(
        (v) => v.hostname === names.host,
      );
      if (!vps) return undefined;
      for (const v of Object.values(vps)) assert.equal(typeof v, 'string');
      assert.match(String(vps.id), /^[0-9]+$/);
      const status = String((await ok('GET', `/vps/${vps.id}/status`)).status);
      return {
        ref: String(vps.id),
        power: status === 'running' ? 'running' : status === 'stopped' ? 'stopped' : 'transit',
      };
    },
    async start(ref) {
      assert.deepEqual(await ok('POST', `/vps/${ref}/start`), {});
    },
    async stop(ref) {
      assert.deepEqual(await ok('POST', `/vps/${ref}/stop`), {});
    },
    async gone(ref) {
      return (await api.call('GET', `/vps/${ref}/status`)).status === 404;
    },
  };
}

/** Danube through the es client's rules (ES-STREAM waits for each task): a VM is defined, given a disk and a NIC, then deployed; no destroy here (Danube's keeps the definition). */
function danube(es: EsClient, image: string, net: string): Dialect {
  const ok = async (a: Promise<{ status: number; body: any; text: string }>, status = 200) => {
    const r = await a;
    assert.equal(r.status, status, r.text);
    return r.body;
  };
  const powerOf = (s: string): Listed['power'] =>
    s === 'running' ? 'running' : s === 'stopped' ? 'stopped' : 'transit';
  return {
    name: 'danube',
    async create(name) {
      const vm = (await ok(es.create(`/vm/${name}/define`, { vcpus: '1', ram: '512' }), 201)).result;
      await ok(es.create(`/vm/${name}/define/disk/1`, { size: '10240', image }), 201);
      await ok(es.create(`/vm/${name}/define/nic/1`, { net }), 201);
      const done = await ok(es.create(`/vm/${name}`));
      assert.equal(done.status, 'SUCCESS', 'the stream ends with the finished deploy');
      return vm.uuid;
    },
    async find(names) {
      const vms = (await ok(es.get('/vm', { full: true }))).result as Array<Record<string, any>>;
      const vm = vms.find((v) => v.hostname === names.host);
      if (!vm) return undefined;
      assert.equal((await ok(es.get(`/vm/${vm.uuid}`))).result.hostname, names.host, 'a VM is found by UUID too');
      return { ref: vm.hostname, power: powerOf(vm.status) };
    },
    async start(ref) {
      assert.equal((await ok(es.set(`/vm/${ref}/status/start`))).status, 'SUCCESS');
    },
    async stop(ref) {
      assert.equal((await ok(es.set(`/vm/${ref}/status/stop`))).status, 'SUCCESS');
    },
    async gone(ref) {
      return (await es.get(`/vm/${ref}`)).status === 404;
    },
  };
}

/** REST (DanubeData's API): a VPS by its UUID, named by its display name; create, power and delete answer at once and their task runs on,
 * so create and delete wait here until GET shows the VPS running or answers 404. */
function restDialect(api: WireRest): Dialect {
  const ok = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, status = 200) => {
    const r = await api.call(method, path, body);
    assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const powerOf = (s: string): Listed['power'] =>
    s === 'running' ? 'running' : s === 'stopped' ? 'stopped' : 'transit';
  const until = async (what: string, done: () => Promise<boolean>) => {
    for (const deadline = Date.now() + 20_000; !(await done()); await new Promise((r) => setTimeout(r, 25)))
      if (Date.now() > deadline) assert.fail(`REST: ${what} did not happen`);
  };
  return {
    name: 'rest',
    async create(name) {
      const password = 'cross-dialect-password';
      const made = await ok(
        'POST',
        '/vps',
        {
          name,
          image: 'ubuntu-24.04',
          datacenter: 'fsn1',
          auth_method: 'password',
          password,
          password_confirmation: password,
        },
        201,
      );
      assert.equal(made.instance.name, name);
      const id = made.instance.id as string;
      await until(`${name} running`, async () => (await ok('GET', `/vps/${id}/status`)).status === 'running');
      return id;
    },
    async find(names) {
      const page = await ok('GET', '/vps?per_page=100');
      const vps = (page.data as Array<Record<string, any>>).find((v) => v.name === names.display);
      if (!vps) return undefined;
      assert.match(vps.id, /^[0-9a-f-]{36}$/);
      const one = await ok('GET', `/vps/${vps.id}`);
      assert.equal(one.instance.status, vps.status, 'GET /vps/{id} shows the status the list shows');
      return { ref: vps.id, power: powerOf((await ok('GET', `/vps/${vps.id}/status`)).status) };
    },
    async start(ref) {
      assert.deepEqual(await ok('POST', `/vps/${ref}/start`), { message: 'VPS start initiated', status: 'starting' });
    },
    async stop(ref) {
      assert.deepEqual(await ok('POST', `/vps/${ref}/stop`), { message: 'VPS stop initiated', status: 'stopping' });
    },
    async destroy(ref) {
      await ok('DELETE', `/vps/${ref}`);
      await until(`${ref} deleted`, async () => (await api.call('GET', `/vps/${ref}`)).status === 404);
    },
    async gone(ref) {
      return (await api.call('GET', `/vps/${ref}`)).status === 404;
    },
  };
}

/** Polls the dialect until it lists the VM in the power state (20 s at most) and returns the dialect's id for it. */
async function seen(d: Dialect, names: Names, power: Power): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const vm = await d.find(names);
    if (vm?.power === power) return vm.ref;
    if (Date.now() > deadline)
      assert.fail(`${d.name} shows ${names.display} as ${vm?.power ?? 'missing'}, not ${power}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One entry of the task log of an object: its task, what it did and how it ended, and the dialect call that asked for it. */
interface LogLine {
  taskId: string | null;
  action: string;
  status: string;
  origin: string | null;
}

/** The task log of one object, oldest first, as an operator reads it over HTTP (GET /admin/tasks/log). */
async function taskLog(objectId: string): Promise<LogLine[]> {
  const q = new URLSearchParams({ objectId, accountId: ownerId });
  const r = await request(`${base}/admin/tasks/log?${q}`, { headers: { authorization: opsAuth } });
  const body = (await r.body.json()) as { entries: LogLine[] };
  assert.equal(r.statusCode, 200, JSON.stringify(body));
  return body.entries.map((e) => ({ taskId: e.taskId, action: e.action, status: e.status, origin: e.origin }));
}

// CVM's client API cannot create a VPS (nor destroy one): it is covered as the dialect that lists, reports and powers the others' VMs.
for (const creator of ['cloudstack', 'cloudsigma', 'danube', 'rest'] as const) {
  test(`a VM created through ${creator} is listed, stopped, started and destroyed through every other dialect, each step logged once`, async () => {
    const d = dialects.find((x) => x.name === creator)!;
    const display = `xd-${creator}`;
    const id = await d.create!(display);
    // A CloudStack name is a hostname; CloudSigma has only display names, so Nube gives its VMs a generated hostname, which CVM shows.
    const host = String((await cs.ok('listVirtualMachines', { id })).virtualmachine[0].name);
    if (creator !== 'cloudsigma') assert.equal(host, display);
    else assert.match(host, /^[a-z0-9][a-z0-9-]*$/);
    const name: Names = { display, host };
    const others = dialects.filter((x) => x !== d);
    const steps: Array<{ action: string; dialect: string }> = [{ action: 'vm.create', dialect: d.name }];
    let power: Power = (await d.find(name))!.power as Power;
    for (const e of others) {
      const ref = await seen(e, name, power);
      for (const next of (power === 'running' ? ['stopped', 'running'] : ['running', 'stopped']) as Power[]) {
        if (next === 'running') await e.start(ref);
        else await e.stop(ref);
        steps.push({ action: next === 'running' ? 'vm.start' : 'vm.stop', dialect: e.name });
        await seen(d, name, next);
        await seen(e, name, next);
        power = next;
      }
    }
    const refs = new Map<Dialect, string>();
    for (const x of dialects) refs.set(x, await seen(x, name, power));
    assert.equal(refs.get(dialects[0]!), id, 'CloudStack shows the id the creator answered with');
    const destroyer = others.find((x) => x.destroy)!;
    await destroyer.destroy!(refs.get(destroyer)!);
    steps.push({ action: 'vm.destroy', dialect: destroyer.name });
    for (const x of dialects) {
      assert.equal(await x.find(name), undefined, `${x.name} no longer lists ${display}`);
      assert.ok(await x.gone(refs.get(x)!), `${x.name} answers "not found" for ${display}`);
    }

    // Danube defines a VM in synchronous steps (definition, disk, NIC), each one finished task, before the deploy task.
    const all = await taskLog(id);
    if (creator === 'danube')
      assert.ok(
        all.some((l) => l.action.startsWith('sync.') && String(l.origin).startsWith('danube:')),
        'the definition is logged as a synchronous change asked for through Danube',
      );
    const log = all.filter((l) => !(creator === 'danube' && l.action.startsWith('sync.')));
    assert.deepEqual(
      log.filter((l) => l.taskId === null),
      [],
      'no change to the VM bypassed a task',
    );
    const tasks = [...new Set(log.filter((l) => l.taskId !== null).map((l) => l.taskId!))].map((taskId) => {
      const lines = log.filter((l) => l.taskId === taskId);
      assert.deepEqual(
        lines.map((l) => l.status),
        ['PENDING', 'SUCCESS'],
        `task ${taskId} (${lines[0]!.action}) is logged once when queued and once when done`,
      );
      assert.equal(new Set(lines.map((l) => l.action)).size, 1);
      return { action: lines[0]!.action, dialect: String(lines[0]!.origin).split(':')[0]! };
    });
    assert.deepEqual(tasks, steps, 'every step is one task, in order, asked for by the dialect that took it');
  });
}
