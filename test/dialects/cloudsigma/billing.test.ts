import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { sigmaUser, SigmaClient } from './sigma-client.js';

let env: TestEnv;
let carol: SigmaClient;
let dave: SigmaClient;
before(async () => {
  env = await startTestEnv({ NUBE_BILLING_PRICES: 'cpu:burst=1.2,mem:burst=0.6,vlan=5,cpu:sub=7,mem:sub=7' });
  carol = await sigmaUser(env, 'carol');
  dave = await sigmaUser(env, 'dave');
});
after(async () => { await env.close(); });

const stamp = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');

test('currencies, an empty balance, prices, and the seed validation of subscription orders', async () => {
  assert.ok((await carol.get('/currencies/list')).list.includes('EUR'));
  assert.deepEqual({ ...(await carol.get('/balance/info')).record }, { balance: '0.00', currency: 'EUR' });
  const p = (await carol.get('/pricing/info')).record;
  assert.equal(p['cpu:burst'], '1.200');
  assert.equal(p.vlan, '5.000');
  const bad = await carol.post('/subscriptions/resources/create', { cpu: '1000', mem: '1000', start_time: '2030-03-22 00:12', months: '1' }, 400);
  assert.match(bad.text, /^errors:cpu The minimum CPU subscription is 2000 core MHz$/m);
  assert.match(bad.text, /^errors:mem The minimum memory subscription is 1024 MB$/m);
  assert.match((await carol.post('/subscriptions/network/ip/create', { quantity: '1' }, 400)).text, /^errors:start_time This field is required\.$/m);
  assert.deepEqual({ ...(await carol.post('/subscriptions/network/vlan/calculate', { quantity: '2', start_time: '2030-03-22 00:00', months: '1' })).record },
    { amount: '10.00', currency: 'EUR' });
  assert.match((await carol.post('/subscriptions/network/vlan/create', { quantity: '1', start_time: stamp(new Date()), months: '1' }, 400)).text, /Insufficient balance/);
  assert.equal((await carol.req('GET', '/subscriptions/resources/create')).status, 405);
});

test('subscriptions charge the balance, show in lists and totals, extend by months; IP subscriptions allocate static IPs', async () => {
  await env.rt.core.billing.credit('carol', '100');
  const start = stamp(new Date(Date.now() - 3600_000));
  const subs = (await carol.post('/subscriptions/resources/create', { cpu: '2000', mem: '2048', start_time: start, months: '1' })).records;
  assert.deepEqual(subs.map((s) => [s.type, s.quantity, s.unit]), [['cpu', '2000', 'core MHz'], ['mem', '2048', 'MB']]);
  assert.equal((await carol.get('/balance/info')).record.balance, '72.00', '2 GHz and 2 GB at 7.00 a month');
  assert.equal((await carol.get('/subscriptions/resources/info')).record.cpu, '2000');
  assert.equal((await carol.get('/subscriptions/list')).records.length, 2);
  assert.deepEqual((await dave.get('/subscriptions/list')).records, []);
  const cpu = subs.find((s) => s.type === 'cpu')!;
  assert.equal((await carol.post(`/subscriptions/${cpu.subscription}/set/calculate`, { months: '2' })).record.amount, '28.00');
  const ext = (await carol.post(`/subscriptions/${cpu.subscription}/set`, { months: '1' })).record;
  assert.equal(new Date(ext.end_time!.replace(' ', 'T') + 'Z').getUTCMonth(), (new Date(start.replace(' ', 'T') + 'Z').getUTCMonth() + 2) % 12);
  assert.equal((await carol.get('/balance/info')).record.balance, '58.00');
  assert.equal((await dave.req('POST', `/subscriptions/${cpu.subscription}/set`, { months: '1' })).status, 404);

  const ip = (await carol.post('/subscriptions/network/ip/create', { quantity: '1', start_time: start, months: '1' })).record;
  assert.equal(ip.type, 'ip');
  assert.deepEqual((await carol.get('/resources/ip/list')).list, [ip.resource]);
  assert.equal((await carol.get('/subscriptions/net/info')).record.ip, '1');
  const totals = (await carol.get('/transactions/list')).records.map((t) => t.total);
  assert.deepEqual(totals.slice(-3), ['-14.00', '-28.00', '100.00']);
});

test('use beyond subscriptions is metered per 5-minute period at burst prices, once per period', async () => {
  const s = (await carol.post('/servers/create', { name: 'burst', cpu: '4000', mem: '4096' })).record;
  await carol.get(`/servers/${s.server}/start`);
  const u = (await carol.get('/usage/info')).record;
  assert.deepEqual([u.cpu, u['cpu:sub'], u['cpu:burst'], u.mem, u['mem:burst']], ['4000', '2000', '2000', '4096', '2048']);
  const before = (await carol.get('/balance/info')).record.balance;
  const period = new Date(Math.floor(Date.now() / 300_000) * 300_000);
  await env.rt.core.billing.meterPeriod(period);
  await env.rt.core.billing.meterPeriod(period);
  const t = (await carol.get('/transactions/list')).records;
  const burst = t.filter((x) => /^5 minutes of burst use/.test(x.description!));
  assert.equal(burst.length, 1, 'a period is charged once');
  assert.equal(burst[0]!.total, '-0.30', '2 GHz at 1.20/h and 2 GB at 0.60/h for 5 minutes');
  assert.equal(Number((await carol.get('/balance/info')).record.balance), Math.round((Number(before) - 0.3) * 100) / 100);
  await env.rt.core.billing.meterPeriod(new Date(period.getTime() + 300_000));
  assert.equal((await carol.get('/transactions/list')).records.filter((x) => /burst/.test(x.description!)).length, 2);
  assert.deepEqual((await dave.get('/transactions/list')).records, [], 'dave uses nothing and pays nothing');
  await assert.rejects(env.rt.core.billing.meterPeriod(new Date(period.getTime() + 1000)), /multiple of 5 minutes/);
  assert.equal(await env.rt.core.billing.meterDue(new Date(period.getTime() + 600_000 + 5)), 1);
});

const GIB = 1024 ** 3;
/** Sets a VM's cumulative traffic counters as the CVM traffic meter would have stored them. */
async function setTraffic(vmId: string, inBytes: number, outBytes: number): Promise<void> {
  const db = env.rt.store.db;
  await db.deleteFrom('vm_traffic').where('vm_id', '=', vmId).execute();
  await db.insertInto('vm_traffic').values({
    vm_id: vmId, total_limit: 0, in_limit: 0, out_limit: 0, in_used: inBytes, out_used: outBytes, in_last: 0, out_last: 0,
    last_host_id: null, updated_at: new Date().toISOString(),
  }).execute();
}

test('transfer beyond the xfer subscription is charged per period at xfer:burst per GB, once', async () => {
  const erin = await sigmaUser(env, 'erin');
  await env.rt.core.billing.credit('erin', '100');
  await erin.post('/subscriptions/resources/create', { xfer: '1', start_time: '2031-01-01 00:00', months: '1' });
  assert.equal((await erin.get('/balance/info')).record.balance, '99.95', '1 GB of monthly transfer at 0.05');
  const vm = (await erin.post('/servers/create', { name: 'xfer', cpu: '2000', mem: '1024' })).record.server!;
  const period = (min: number) => new Date(Date.UTC(2031, 0, 10, 0, min));
  const xferCharges = async () => (await erin.get('/transactions/list')).records.filter((t) => /^Data transfer/.test(t.description!));

  await setTraffic(vm, 0.25 * GIB, 0.25 * GIB);
  await env.rt.core.billing.meterPeriod(period(0));
  assert.deepEqual(await xferCharges(), [], 'half a GB is within the 1 GB subscription');

  await setTraffic(vm, 2 * GIB, 1 * GIB);
  await env.rt.core.billing.meterPeriod(period(5));
  let charges = await xferCharges();
  assert.equal(charges.length, 1);
  assert.equal(charges[0]!.total, '-0.12', '3 GB used this month, 2 GB beyond the subscription at 0.06 per GB');
  assert.match(charges[0]!.description!, /2 GB beyond subscription from 2031-01-10 00:05:00 until 2031-01-10 00:10:00/);

  await env.rt.core.billing.meterPeriod(period(5));
  await env.rt.core.billing.meterPeriod(period(0));
  await env.rt.core.billing.meterPeriod(period(10));
  assert.equal((await xferCharges()).length, 1, 're-running a period, an older one, or one without new traffic charges nothing');
  assert.equal((await erin.get('/balance/info')).record.balance, '99.83');

  await setTraffic(vm, 2.5 * GIB, 1 * GIB);
  await env.rt.core.billing.meterPeriod(period(15));
  charges = await xferCharges();
  assert.deepEqual(charges.map((t) => t.total).sort(), ['-0.03', '-0.12'], 'another half GB, all beyond the subscription');

  const u = (await erin.get('/usage/info')).record;
  assert.deepEqual([u['rx:total'], u['tx:total'], u['xfer:total']], [String(2.5 * GIB), String(GIB), '3.5']);
  assert.deepEqual((await dave.get('/transactions/list')).records, [], 'dave moves no traffic and pays nothing');
});
