/** /metrics counts the requests of every dialect (bounded labels, latency histograms) and shows tasks, VMs and outbound deliveries read from the store. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestEnv, type TestEnv } from '../support/runtime.js';

let env: TestEnv;
let admin: string;
let sigma: string;
let cvm: Record<string, string>;
before(async () => {
  env = await startTestEnv();
  const ops = await env.rt.core.accounts.createAccount('ops', { admin: true, password: 'ops-password' });
  admin = `Basic ${Buffer.from(`${ops.user.email}:ops-password`).toString('base64')}`;
  const carol = await env.rt.core.accounts.createAccount('carol', { password: 'carol-password' });
  sigma = `Basic ${Buffer.from(`${carol.user.email}:carol-password`).toString('base64')}`;
  const pair = (await env.rt.core.credentials.issueTo('token-pair', 'alice', {})).shown;
  cvm = { 'API-Public-Token': pair.public, 'API-Private-Token': pair.private };
});
after(async () => {
  await env.close();
});

/** The samples of a scrape: `name{labels}` → value. */
async function scrape(): Promise<{ text: string; get(name: string, labels?: Record<string, string>): number }> {
  const r = await env.app.inject({ url: '/metrics' });
  assert.equal(r.statusCode, 200);
  assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const key = (name: string, labels: Array<[string, string]>) =>
    `${name}${JSON.stringify(labels.sort(([a], [b]) => (a < b ? -1 : 1)))}`;
  const samples = new Map<string, number>();
  for (const line of r.body.split('\n')) {
    const m = /^([a-z0-9_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (m)
      samples.set(
        key(
          m[1]!,
          [...(m[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]),
        ),
        Number(m[3]),
      );
  }
  return { text: r.body, get: (name, labels = {}) => samples.get(key(name, Object.entries(labels))) ?? 0 };
}

test("every dialect's requests are counted by dialect, route pattern or CloudStack command, and status, with latencies", async () => {
  const before = await scrape();
  await env.cs.ok('listZones');
  await env.cs.ok('listZones');
  const unknown = await env.cs.call(`noSuchCommand${randomUUID().slice(0, 8)}`);
  assert.equal(unknown.status, 432);
  const missing = randomUUID();
  const calls: Array<[string, Record<string, string>, number]> = [
    ['/drives/list', { authorization: sigma }, 200],
    ['/drives/list', {}, 401],
    [`/drives/${missing}/info`, { authorization: sigma }, 404],
    ['/api/client/vps/list', cvm, 200],
    ['/api/client/vps/list', {}, 401],
    ['/admin/hosts', { authorization: admin }, 200],
    [`/nothing/${missing}`, {}, 404],
    ['/healthz', {}, 200],
  ];
  for (const [url, headers, status] of calls)
    assert.equal((await env.app.inject({ url, headers })).statusCode, status, url);
  const after = await scrape();
  const delta = (labels: Record<string, string>) =>
    after.get('nube_http_requests_total', labels) - before.get('nube_http_requests_total', labels);
  assert.equal(delta({ dialect: 'cloudstack', route: 'listZones', status: '200' }), 2);
  assert.equal(
    delta({ dialect: 'cloudstack', route: 'unknown', status: '432' }),
    1,
    'an unknown command is counted as unknown',
  );
  assert.equal(delta({ dialect: 'cloudsigma', route: '/drives/list', status: '200' }), 1);
  assert.equal(delta({ dialect: 'cloudsigma', route: '/drives/list', status: '401' }), 1);
  assert.equal(delta({ dialect: 'cloudsigma', route: '/drives/:id/info', status: '404' }), 1);
  assert.equal(delta({ dialect: 'cvm', route: '/api/client/vps/list', status: '200' }), 1);
  assert.equal(delta({ dialect: 'cvm', route: '/api/client/vps/list', status: '401' }), 1);
  assert.equal(delta({ dialect: 'admin', route: '/admin/hosts', status: '200' }), 1);
  assert.equal(delta({ dialect: 'none', route: 'unmatched', status: '404' }), 1);
  assert.equal(delta({ dialect: 'health', route: '/healthz', status: '200' }), 1);
  assert.ok(
    before.get('nube_http_requests_total', { dialect: 'health', route: '/metrics', status: '200' }) <
      after.get('nube_http_requests_total', { dialect: 'health', route: '/metrics', status: '200' }),
    'scrapes count too',
  );
  const count = (s: typeof after) =>
    s.get('nube_http_request_duration_seconds_count', { dialect: 'cloudstack', route: 'listZones' });
  assert.equal(count(after) - count(before), 2, 'each request is in the latency histogram');
  assert.equal(
    after.get('nube_http_request_duration_seconds_bucket', {
      dialect: 'cloudsigma',
      route: '/drives/list',
      le: '+Inf',
    }),
    after.get('nube_http_request_duration_seconds_count', { dialect: 'cloudsigma', route: '/drives/list' }),
  );
  assert.ok(!after.text.includes(missing), 'raw URLs and ids never become labels');
  assert.ok(!/noSuchCommand/.test(after.text), 'unknown command names never become labels');
});

test("tasks by kind and state, the oldest queued task's age, VMs by state and outbound deliveries are read from the store at scrape time", async () => {
  const zone = (await env.cs.ok('listZones')).zone[0];
  const offering = (await env.cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
  const template = (await env.cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  const vm = (
    await env.cs.done('deployVirtualMachine', {
      zoneid: zone.id,
      serviceofferingid: offering.id,
      templateid: template.id,
      name: 'counted',
    })
  ).virtualmachine;
  await env.cs.done('deployVirtualMachine', {
    zoneid: zone.id,
    serviceofferingid: offering.id,
    templateid: template.id,
    name: 'stopped',
    startvm: false,
  });
  const s = await scrape();
  const tasks = await env.rt.store.db.selectFrom('tasks').select(['kind', 'status']).execute();
  const kinds = new Set(tasks.map((t) => t.kind));
  assert.ok(kinds.size > 0);
  for (const kind of kinds) {
    const done = tasks.filter((t) => t.kind === kind && t.status === 'SUCCESS').length;
    assert.equal(s.get('nube_tasks', { kind, state: 'success' }), done, kind);
  }
  const vms = await env.rt.store.db.selectFrom('vms').select('state').where('removed_at', 'is', null).execute();
  for (const state of new Set(vms.map((v) => v.state)))
    assert.equal(s.get('nube_vms', { state }), vms.filter((v) => v.state === state).length, state);
  assert.equal(s.get('nube_vms', { state: 'running' }), 1);
  assert.equal(s.get('nube_vms', { state: 'stopped' }), 1);
  for (const kind of ['callback', 'webhook'])
    assert.equal(s.get('nube_outbound_deliveries_total', { kind, outcome: 'delivered' }), 0);
  assert.match(s.text, /# HELP nube_outbound_deliveries_total .*no dialect sends callbacks or webhooks yet/);

  // With the engine stopped, a task left waiting for an hour shows as queued with its age.
  await env.rt.engine.stop();
  const hourAgo = new Date(Date.now() - 3600_000).toISOString();
  const alice = await env.rt.store.db
    .selectFrom('accounts')
    .select('id')
    .where('name', '=', 'alice')
    .executeTakeFirstOrThrow();
  await env.rt.store.db
    .insertInto('tasks')
    .values({
      id: randomUUID(),
      account_id: alice.id,
      user_id: null,
      kind: 'vm.start',
      object_type: 'virtual machine',
      object_id: vm.id,
      exclusive: 0,
      status: 'PENDING',
      payload: '{}',
      result: null,
      error: null,
      origin: 'test',
      attempts: 0,
      lease_owner: null,
      lease_until: null,
      created_at: hourAgo,
      started_at: null,
      finished_at: null,
    })
    .execute();
  const later = await scrape();
  assert.equal(later.get('nube_tasks', { kind: 'vm.start', state: 'queued' }), 1);
  const age = later.get('nube_tasks_oldest_age_seconds', { state: 'queued' });
  assert.ok(age >= 3599 && age < 3700, `oldest queued task age ${age}`);
  assert.equal(later.get('nube_tasks_oldest_age_seconds', { state: 'running' }), 0);
});

test('the event-loop delay gauges show a block of the loop in the next scrape, and the window restarts at each scrape', async () => {
  await scrape();
  await new Promise((r) => setTimeout(r, 50));
  const until = performance.now() + 150;
  while (performance.now() < until);
  await new Promise((r) => setTimeout(r, 200));
  const blocked = await scrape();
  assert.ok(blocked.get('nube_event_loop_delay_max_seconds') >= 0.1, blocked.text);
  assert.ok(blocked.get('nube_event_loop_delay_p99_seconds') > 0);
  await new Promise((r) => setTimeout(r, 50));
  const calm = await scrape();
  assert.ok(calm.get('nube_event_loop_delay_max_seconds') < 0.1, calm.text);
});

test('an idle loop reads near zero delay: the sampling period is not counted as delay', async () => {
  await scrape();
  await new Promise((r) => setTimeout(r, 1000));
  const idle = await scrape();
  // Sampled every 10 ms, the time between two samples is ~10 ms on an idle loop; only the lateness is delay.
  assert.ok(idle.get('nube_event_loop_delay_p99_seconds') < 0.009, idle.text);
});
