/** Every answer the REST API gives in a realistic session matches the response schema the OpenAPI document declares for it. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { startRest, type RestEnv, type RestAnswer } from '../../support/rest.js';

let r: RestEnv;
let ajv: Ajv;
let paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
before(async () => {
  r = await startRest({ NUBE_OUTBOUND_ALLOW_PRIVATE: '1' });
  const doc = (await (await fetch(`${r.url.replace('/api/v1', '')}/docs/api.json`)).json()) as {
    paths: typeof paths;
  };
  paths = doc.paths;
  ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema(doc, 'doc');
});
after(async () => {
  await r.close();
});

const checked = new Set<string>();

/** The documented path template a concrete path matches. */
function templateOf(path: string): string {
  const full = path.startsWith('/api/') ? path.split('?')[0]! : `/api/v1${path.split('?')[0]}`;
  const hit = Object.keys(paths).find((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(full));
  assert.ok(hit, `${full} is documented`);
  return hit!;
}

/** Calls the API and checks the answer against the document's schema for its path, method and status. */
async function call(method: string, path: string, opts: Parameters<RestEnv['req']>[2] = {}): Promise<RestAnswer> {
  const a = await r.req(method, path, opts);
  const tpl = templateOf(path);
  const m = method.toLowerCase();
  const responses = paths[tpl]?.[m]?.responses ?? {};
  assert.ok(responses[String(a.status)], `${method} ${tpl} documents status ${a.status} (${JSON.stringify(a.json)})`);
  const ptr = ['paths', tpl, m, 'responses', String(a.status), 'content', 'application/json', 'schema']
    .map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1'))
    .join('/');
  const ok = ajv.validate({ $ref: `doc#/${ptr}` }, a.json);
  assert.ok(
    ok,
    `${method} ${path} ${a.status}: ${ajv.errorsText(ajv.errors)} in ${JSON.stringify(a.json).slice(0, 400)}`,
  );
  checked.add(`${method} ${tpl} ${a.status}`);
  return a;
}

/** Polls until the VPS has the status. */
async function until(id: string, want: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await r.req('GET', `/vps/${id}/status`)).json?.status === want) return;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`never ${want}`);
}

test('a session over every resource answers as the document says, successes and errors alike', async () => {
  await call('GET', '/api/user');
  await call('GET', '/user/teams');
  await call('GET', '/vps/images');
  await call('GET', '/vps/images/grouped');
  await call('GET', '/vps/plans');
  const key = await call('POST', '/ssh-keys', {
    body: {
      name: 'k',
      public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrk1Y2c2P9FBY1y6XJxN8zY3cGkq4lJzbn0xk0DQ7qR a@b',
    },
  });
  await call('GET', '/ssh-keys');
  await call('GET', `/ssh-keys/${key.json.key.id}`);
  const vps = await call('POST', '/vps', {
    body: {
      name: 'doc-1',
      image: 'debian-12',
      datacenter: 'fsn1',
      auth_method: 'ssh_key',
      ssh_key_id: key.json.key.id,
    },
  });
  const id = vps.json.instance.id as string;
  await call('POST', '/vps', { body: { name: 'Bad Name' } });
  await until(id, 'running');
  await call('GET', '/vps');
  await call('GET', `/vps/${id}`);
  await call('GET', `/vps/${id}/status`);
  await call('GET', `/vps/${id}/metrics`);
  await call('GET', `/vps/${id}/events`);
  await call('GET', `/vps/${id}/diagnose`);
  await call('GET', `/vps/${id}/password`);
  await call('POST', `/vps/${id}/start`);
  await call('POST', `/vps/${id}/stop`);
  await until(id, 'stopped');
  await call('GET', `/vps/${id}/metrics`);
  await call('PUT', `/vps/${id}`, { body: { resource_profile: 'micro_shared' } });
  const fw = await call('POST', '/firewalls', {
    body: { name: 'web', rules: [{ name: 'http', direction: 'inbound', protocol: 'tcp', port: 80, order: 2 }] },
  });
  await call('GET', '/firewalls');
  await call('GET', `/firewalls/${fw.json.firewall.id}`);
  await call('PUT', `/firewalls/${fw.json.firewall.id}`, { body: { description: 'web tier' } });
  await call('POST', `/firewalls/${fw.json.firewall.id}/attach`, { body: { instance_type: 'vps', instance_id: id } });
  await call('POST', `/firewalls/${fw.json.firewall.id}/deploy`);
  await call('POST', `/firewalls/${fw.json.firewall.id}/detach`, { body: { instance_type: 'vps', instance_id: id } });
  await call('DELETE', `/firewalls/${fw.json.firewall.id}`);
  const snap = await call('POST', '/snapshots/vps', { body: { vps_instance_id: id, name: 'before' } });
  await call('GET', '/snapshots/vps');
  for (let i = 0; i < 200 && (await r.req('GET', '/snapshots/vps')).json.data[0].status !== 'ready'; i++)
    await new Promise((res) => setTimeout(res, 25));
  await call('POST', `/snapshots/vps/${snap.json.snapshot.id}/restore`);
  await call('PUT', '/webhooks/config', { body: { webhook_url: 'http://127.0.0.1:9/hook' } });
  await call('GET', '/webhooks/config');
  await call('POST', '/webhooks/config/regenerate-secret');
  await call('GET', '/webhooks/deliveries');
  await call('GET', `/vps/${id}`, { token: r.bobToken });
  await call('GET', '/vps', { token: 'nope' });
  await call('GET', '/ssh-keys', { token: await r.tokenFor(['vps:read']) });
  assert.ok(checked.size >= 35, `${checked.size} distinct answers checked`);
});
