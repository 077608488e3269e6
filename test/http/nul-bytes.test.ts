/** NUL bytes are refused at the edge of CloudStack, CVM and the admin API with each one's own error, never a 500 or a logged stack trace (PostgreSQL cannot store them). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import { captureLog, type CapturedLog } from '../support/log-capture.js';
import { canonicalString, computeSignature } from '../../src/lib/query-signature.js';

let env: TestEnv;
let logs: CapturedLog;
let admin: string;
let cvm: Record<string, string>;
let vmSerial: number;
let vmId: string;
before(async () => {
  logs = captureLog();
  env = await startTestEnv({}, { log: logs.log });
  const ops = await env.rt.core.accounts.createAccount('ops', { admin: true, password: 'ops-password' });
  admin = `Basic ${Buffer.from(`${ops.user.email}:ops-password`).toString('base64')}`;
  const pair = (await env.rt.core.credentials.issueTo('token-pair', 'alice', {})).shown;
  cvm = { 'API-Public-Token': pair.public, 'API-Private-Token': pair.private };
  const zone = (await env.cs.ok('listZones')).zone[0];
  const offering = (await env.cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
  const template = (await env.cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  const vm = (
    await env.cs.done('deployVirtualMachine', {
      zoneid: zone.id,
      serviceofferingid: offering.id,
      templateid: template.id,
      name: 'nul',
    })
  ).virtualmachine;
  vmId = vm.id;
  vmSerial = Number((await env.app.inject({ url: '/api/client/vps/list', headers: cvm })).json().response.vpses[0].id);
});
after(async () => {
  await env.close();
});

/** A signed CloudStack query string over pairs, exactly as sent. */
function signed(pairs: Array<[string, string]>): string {
  const all: Array<[string, string]> = [...pairs, ['apiKey', env.cs.key]];
  const signature = computeSignature(
    env.cs.secret,
    canonicalString(all, { bracketsSafe: false, caseSensitiveSort: false }),
  );
  return [...all, ['signature', signature]]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

test('CloudStack: a NUL in any parameter, signed or not, in the query or a form or JSON body, is a 431 in JSON or XML', async () => {
  const cases: Array<{ url: string; payload?: string; type?: string; json: boolean }> = [
    {
      url: `/compute?${signed([
        ['command', 'listVirtualMachines'],
        ['response', 'json'],
        ['id', `${vmId}\u0000`],
      ])}`,
      json: true,
    },
    {
      url: `/compute?${signed([
        ['command', 'listVirtualMachines'],
        ['name', 'a\u0000b'],
      ])}`,
      json: false,
    },
    {
      url: `/compute?${signed([
        ['command', 'listZones'],
        ['response', 'json'],
        ['no\u0000such', 'x'],
      ])}`,
      json: true,
    },
    { url: '/compute?command=listZones&response=json&apiKey=a%00b&signature=x', json: true },
    {
      url: '/compute?response=json',
      payload: signed([
        ['command', 'stopVirtualMachine'],
        ['response', 'json'],
        ['id', `\u0000${vmId}`],
      ]),
      type: 'application/x-www-form-urlencoded',
      json: true,
    },
    {
      url: '/compute?response=json',
      payload: JSON.stringify({ command: 'listZones', response: 'json', apiKey: env.cs.key, keyword: 'a\u0000' }),
      type: 'application/json',
      json: true,
    },
  ];
  for (const c of cases) {
    const r = await env.app.inject({
      method: c.payload ? 'POST' : 'GET',
      url: c.url,
      payload: c.payload,
      headers: c.type ? { 'content-type': c.type } : {},
    });
    assert.equal(r.statusCode, 431, `${c.url} ${r.body}`);
    if (c.json) assert.match(JSON.parse(r.body)[Object.keys(JSON.parse(r.body))[0]!].errortext, /NUL byte/);
    else assert.match(r.body, /<errortext>.*NUL byte.*<\/errortext>/);
  }
  assert.equal(
    (await env.cs.ok('listVirtualMachines', { id: vmId })).virtualmachine[0].state,
    'Running',
    'the VM was not touched',
  );
});

test('CVM: a NUL in an id is 404, in the query or a body 422, each as {errors}', async () => {
  const cases: Array<[string, string, number, string?]> = [
    ['GET', `/api/client/vps/${vmSerial}%00`, 404],
    ['GET', `/api/client/vps/%00${vmSerial}/status`, 404],
    ['POST', `/api/client/vps/${vmSerial}%00/stop`, 404],
    ['GET', '/api/client/vps/list?x=%00', 422],
    ['GET', '/api/client/node/1?%00=1', 422],
    ['POST', `/api/client/vps/${vmSerial}/reinstall`, 422, 'template=1%00'],
  ];
  for (const [method, url, status, form] of cases) {
    const r = await env.app.inject({
      method: method as 'GET',
      url,
      headers: { ...cvm, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      payload: form,
    });
    assert.equal(r.statusCode, status, `${method} ${url} ${r.body}`);
    assert.ok(Array.isArray(r.json().errors), r.body);
  }
  const json = await env.app.inject({
    method: 'POST',
    url: `/api/client/vps/${vmSerial}/reinstall`,
    headers: cvm,
    payload: { template: '1\u0000' },
  });
  assert.equal(json.statusCode, 422);
});

test('admin: a NUL in a path id, the query, the Basic login or a JSON body is a 400 {error}', async () => {
  const nulLogin = `Basic ${Buffer.from('ops\u0000@nube.local:ops-password').toString('base64')}`;
  const cases: Array<[string, string, string, unknown?]> = [
    ['GET', `/admin/vms/${vmId}%00/console`, admin],
    ['POST', '/admin/hosts/h%00/state', admin, { state: 'down' }],
    ['DELETE', '/admin/sim/faults/%00', admin],
    ['GET', '/admin/hosts?x=%00', admin],
    ['GET', '/admin/hosts', nulLogin],
    ['POST', '/admin/sim/faults', admin, { kind: 'latency', host_id: 'a\u0000' }],
    ['POST', '/admin/sim/faults', admin, { kind: 'fail_next_start', vm_id: `${vmId}\u0000` }],
  ];
  for (const [method, url, authorization, payload] of cases) {
    const r = await env.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization },
      payload: payload as string | undefined,
    });
    assert.equal(r.statusCode, 400, `${method} ${url} ${r.body}`);
    assert.match(r.json().error, /NUL byte/);
  }
  assert.deepEqual(
    (await env.app.inject({ url: '/admin/sim/faults', headers: { authorization: admin } })).json().faults,
    [],
    'no fault was added',
  );
});

test('nothing of the above was logged as an error or with a stack trace', () => {
  assert.deepEqual(logs.problems(), []);
});
