import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRest, type RestEnv, type RestAnswer } from '../../support/rest.js';

let r: RestEnv;
before(async () => {
  r = await startRest();
});
after(async () => {
  await r.close();
});

const PASSWORD = 'correct-horse-battery';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrk1Y2c2P9FBY1y6XJxN8zY3cGkq4lJzbn0xk0DQ7qR vps@x';

/** A create body with overrides. */
function body(over: Record<string, unknown> = {}) {
  return {
    name: 'web-1',
    image: 'ubuntu-24.04',
    resource_profile: 'nano_shared',
    datacenter: 'fsn1',
    auth_method: 'password',
    password: PASSWORD,
    password_confirmation: PASSWORD,
    ...over,
  };
}

/** Polls GET /vps/{id}/status until its status is want. */
async function until(id: string, want: string, token?: string): Promise<RestAnswer> {
  for (let i = 0; i < 200; i++) {
    const s = await r.req('GET', `/vps/${id}/status`, { token });
    if (s.json?.status === want) return s;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`VPS ${id} never reached ${want}`);
}

test('a VPS is created with its profile, image, datacenter and default firewall, runs, and is the same VM in CloudStack', async () => {
  const made = await r.req('POST', '/vps', { body: body({ custom_cloud_init: '#cloud-config\nhostname: web-1\n' }) });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  assert.equal(made.json.message, 'VPS instance created successfully with default firewall');
  assert.equal(made.json.firewall_created, true);
  const v = made.json.instance;
  assert.equal(v.name, 'web-1');
  assert.equal(v.resource_profile, 'nano_shared');
  assert.equal(v.cpu_allocation_type, 'shared');
  assert.deepEqual([v.cpu_cores, v.memory_size_gb, v.storage_size_gb], [2, 2, 40]);
  assert.equal(v.image, 'ubuntu-24.04');
  assert.equal(v.datacenter, 'fsn1');
  assert.equal(v.monthly_cost_dollars, 4.49);
  assert.equal(typeof v.team_id, 'number');
  assert.ok(['provisioning', 'starting', 'running'].includes(v.status));
  const running = await until(v.id, 'running');
  assert.equal(running.json.status_label, 'Running');
  assert.equal(running.json.status_color, 'green');
  assert.equal(running.json.can_be_stopped, true);
  assert.equal(running.json.is_transitional, false);
  const shown = await r.req('GET', `/vps/${v.id}`);
  assert.equal(shown.status, 200);
  assert.equal(shown.json.monthly_cost, 4.49);
  assert.ok(shown.json.connection_info.public_ip);
  assert.equal(shown.json.connection_info.public_ip, shown.json.instance.public_ip);
  assert.equal(shown.json.instance.status_details.summary, 'ready');
  const cs = await r.adminCs.ok('listVirtualMachines', { id: v.id });
  const vm = cs.virtualmachine[0];
  assert.equal(vm.name, 'web-1');
  assert.equal(vm.state, 'Running');
  assert.ok(vm.securitygroup.some((g: { name: string }) => g.name.startsWith('web-1')));
  const view = await r.env.rt.core.vms.get(await r.ctxOf('admin'), v.id);
  assert.equal(Buffer.from(view.userData ?? '', 'base64').toString(), '#cloud-config\nhostname: web-1\n');
  const pw = await r.req('GET', `/vps/${v.id}/password`);
  assert.deepEqual([pw.status, pw.json.password, pw.json.username], [200, PASSWORD, 'root']);
  const listed = await r.req('GET', '/vps');
  assert.equal(listed.json.pagination.total, 1);
  assert.equal(listed.json.data[0].id, v.id);
});

test('power actions answer {message, status}, refuse the wrong state with 422 {error, status}, and move the VPS', async () => {
  const id = (await r.req('GET', '/vps')).json.data[0].id;
  await until(id, 'running');
  const again = await r.req('POST', `/vps/${id}/start`);
  assert.deepEqual(
    [again.status, again.json],
    [422, { error: 'VPS cannot be started in its current state', status: 'running' }],
  );
  const reboot = await r.req('POST', `/vps/${id}/reboot`);
  assert.deepEqual([reboot.status, reboot.json], [200, { message: 'VPS reboot initiated', status: 'rebooting' }]);
  await until(id, 'running');
  const metrics = await r.req('GET', `/vps/${id}/metrics`);
  assert.equal(metrics.status, 200);
  assert.equal(metrics.json.cpu.cores, 2);
  assert.equal(metrics.json.memory.total_gb, 2);
  assert.equal(typeof metrics.json.network.rx_bytes_per_sec, 'number');
  const stop = await r.req('POST', `/vps/${id}/stop`);
  assert.deepEqual([stop.status, stop.json], [200, { message: 'VPS stop initiated', status: 'stopping' }]);
  const stopped = await until(id, 'stopped');
  assert.equal(stopped.json.can_be_started, true);
  assert.equal(stopped.json.status_color, 'gray');
  const noStop = await r.req('POST', `/vps/${id}/stop`);
  assert.deepEqual([noStop.status, noStop.json.status], [422, 'stopped']);
  const noMetrics = await r.req('GET', `/vps/${id}/metrics`);
  assert.deepEqual([noMetrics.status, noMetrics.json.error], [503, 'metrics_unavailable']);
  const resized = await r.req('PUT', `/vps/${id}`, { body: { resource_profile: 'micro_shared' } });
  assert.equal(resized.status, 200);
  assert.equal(resized.json.message, 'VPS instance update initiated');
  assert.deepEqual([resized.json.instance.cpu_cores, resized.json.instance.memory_size_gb], [2, 4]);
  for (let i = 0; i < 200 && (await r.req('GET', `/vps/${id}`)).json.instance.storage_size_gb !== 80; i++)
    await new Promise((res) => setTimeout(res, 25));
  const grown = (await r.req('GET', `/vps/${id}`)).json.instance;
  assert.deepEqual(
    [grown.storage_size_gb, grown.resource_profile, grown.monthly_cost_dollars],
    [80, 'micro_shared', 7.99],
  );
  const start = await r.req('POST', `/vps/${id}/start`);
  assert.deepEqual([start.status, start.json.status], [200, 'starting']);
  await until(id, 'running');
  const busy = await r.req('PUT', `/vps/${id}`, { body: { resource_profile: 'small_shared' } });
  assert.deepEqual([busy.status, busy.json.status], [422, 'running']);
  const reinstall = await r.req('POST', `/vps/${id}/reinstall`, { body: { image: 'debian-12' } });
  assert.equal(reinstall.status, 200);
  assert.equal(reinstall.json.status, 'reinstalling');
  await until(id, 'running');
  assert.equal((await r.req('GET', `/vps/${id}`)).json.instance.image, 'debian-12');
  const events = await r.req('GET', `/vps/${id}/events`);
  assert.equal(events.status, 200);
  assert.equal(events.json.success, true);
  assert.ok(events.json.data.events.length >= 4);
  const diag = await r.req('GET', `/vps/${id}/diagnose`);
  assert.equal(diag.status, 200);
  assert.equal(diag.json.data.verdict, 'healthy');
  assert.equal(diag.json.data.status.summary, 'ready');
  assert.deepEqual(diag.json.data.findings, []);
});

test('SSH key auth: ssh_key_id as a number or a numeric string; no password is stored', async () => {
  const key = await r.req('POST', '/ssh-keys', { body: { name: 'deploy', public_key: KEY } });
  assert.equal(key.status, 201);
  const made = await r.req('POST', '/vps', {
    body: body({ name: 'keyed', auth_method: 'ssh_key', ssh_key_id: String(key.json.key.id), password: undefined }),
  });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  assert.equal(made.json.instance.ssh_key_id, key.json.key.id);
  const pw = await r.req('GET', `/vps/${made.json.instance.id}/password`);
  assert.deepEqual(
    [pw.status, pw.json],
    [422, { error: 'This VPS uses SSH key authentication. No password is stored.' }],
  );
  const early = await r.req('DELETE', `/vps/${made.json.instance.id}`);
  if (early.status === 422) {
    assert.equal(early.json.error, 'VPS cannot be deleted in its current state');
    await until(made.json.instance.id, 'running');
  }
  const del = early.status === 422 ? await r.req('DELETE', `/vps/${made.json.instance.id}`) : early;
  assert.deepEqual([del.status, del.json], [200, { message: 'VPS instance deletion initiated', status: 'destroying' }]);
  for (let i = 0; i < 200; i++) {
    if ((await r.req('GET', `/vps/${made.json.instance.id}`)).status === 404) return;
    await new Promise((res) => setTimeout(res, 25));
  }
  assert.fail('the deleted VPS is still shown');
});

test('a field that may be null and breaks its rule gets that one message, and null is taken', async () => {
  const short = await r.req('POST', '/vps', { body: body({ password: 'short', password_confirmation: 'short' }) });
  assert.deepEqual(short.json.errors, { password: ['The password field must be at least 12 characters.'] });
  const word = await r.req('POST', '/vps', { body: body({ auth_method: 'ssh_key', ssh_key_id: 'abc' }) });
  assert.deepEqual(word.json.errors, { ssh_key_id: ['The ssh key id field must be of type integer.'] });
  const nulls = await r.req('POST', '/vps', {
    body: body({ name: 'null-fields', custom_cloud_init: null, ssh_key_id: null, windows_license_key: null }),
  });
  assert.equal(nulls.status, 201, JSON.stringify(nulls.json));
  assert.equal(nulls.json.instance.ssh_key_id, null);
  await until(nulls.json.instance.id, 'running');
  assert.equal((await r.req('DELETE', `/vps/${nulls.json.instance.id}`)).status, 200);
});

test("bad create bodies are 422 with the field named; another account's VPS is 404", async () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ name: undefined }, 'name'],
    [{ name: 'Upper_Case' }, 'name'],
    [{ password: 'short', password_confirmation: 'short' }, 'password'],
    [{ password_confirmation: 'something-else-entirely' }, 'password'],
    [{ auth_method: 'ssh_key', password: undefined }, 'ssh_key_id'],
    [{ auth_method: 'ssh_key', ssh_key_id: 987654 }, 'ssh_key_id'],
    [{ image: 'plan9-4' }, 'image'],
    [{ datacenter: 'mars1' }, 'datacenter'],
    [{ resource_profile: 'gigantic' }, 'resource_profile'],
    [{ cpu_cores: 64 }, 'cpu_cores'],
    [{ name: 'web-1' }, 'name'],
    [{ custom_cloud_init: 'x'.repeat(10_001) }, 'custom_cloud_init'],
  ];
  for (const [over, field] of cases) {
    const a = await r.req('POST', '/vps', { body: body(over) });
    assert.equal(a.status, 422, `${JSON.stringify(over).slice(0, 80)} → ${JSON.stringify(a.json)}`);
    assert.ok(a.json.errors?.[field], `${field}: ${JSON.stringify(a.json)}`);
    assert.equal(typeof a.json.message, 'string');
  }
  const id = (await r.req('GET', '/vps')).json.data[0].id;
  for (const [m, p] of [
    ['GET', `/vps/${id}`],
    ['GET', `/vps/${id}/status`],
    ['POST', `/vps/${id}/stop`],
    ['DELETE', `/vps/${id}`],
    ['GET', `/vps/${id}/password`],
  ] as const) {
    const a = await r.req(m, p, { token: r.bobToken });
    assert.equal(a.status, 404, `${m} ${p}`);
    assert.equal(typeof a.json.message, 'string');
  }
  assert.equal((await r.req('GET', '/vps', { token: r.bobToken })).json.pagination.total, 0);
});
