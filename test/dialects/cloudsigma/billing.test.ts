import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startTestEnv, TEST_DB, type TestEnv } from '../../support/runtime.js';
import { createRuntime } from '../../../src/runtime.js';
import { pruneUsageLog } from '../../../src/core/billing/history.js';
import { sigmaUser, SigmaClient } from './sigma-client.js';

let env: TestEnv;
let carol: SigmaClient;
let dave: SigmaClient;
before(async () => {
  env = await startTestEnv({ NUBE_BILLING_PRICES: 'cpu:burst=1.2,mem:burst=0.6,vlan=5,cpu:sub=7,mem:sub=7' });
  carol = await sigmaUser(env, 'carol');
  dave = await sigmaUser(env, 'dave');
});
after(async () => {
  await env.close();
});

const stamp = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');

test('currencies, an empty balance, prices, and the seed validation of subscription orders', async () => {
  assert.ok((await carol.get('/currencies/list')).list.includes('EUR'));
  assert.deepEqual({ ...(await carol.get('/balance/info')).record }, { balance: '0.00', currency: 'EUR' });
  const p = (await carol.get('/pricing/info')).record;
  assert.equal(p['cpu:burst'], '1.200');
  assert.equal(p.vlan, '5.000');
  const bad = await carol.post(
    '/subscriptions/resources/create',
    { cpu: '1000', mem: '1000', start_time: '2030-03-22 00:12', months: '1' },
    400,
  );
  assert.match(bad.text, /^errors:cpu The minimum CPU subscription is 2000 core MHz$/m);
  assert.match(bad.text, /^errors:mem The minimum memory subscription is 1024 MB$/m);
  assert.match(
    (await carol.post('/subscriptions/network/ip/create', { quantity: '1' }, 400)).text,
    /^errors:start_time This field is required\.$/m,
  );
  assert.deepEqual(
    {
      ...(
        await carol.post('/subscriptions/network/vlan/calculate', {
          quantity: '2',
          start_time: '2030-03-22 00:00',
          months: '1',
        })
      ).record,
    },
    { amount: '10.00', currency: 'EUR' },
  );
  assert.match(
    (
      await carol.post(
        '/subscriptions/network/vlan/create',
        { quantity: '1', start_time: stamp(new Date()), months: '1' },
        400,
      )
    ).text,
    /Insufficient balance/,
  );
  assert.equal((await carol.req('GET', '/subscriptions/resources/create')).status, 405);
});

test('subscriptions charge the balance, show in lists and totals, extend by months; IP subscriptions allocate static IPs', async () => {
  await env.rt.core.billing.credit('carol', '100');
  const start = stamp(new Date(Date.now() - 3600_000));
  const subs = (
    await carol.post('/subscriptions/resources/create', { cpu: '2000', mem: '2048', start_time: start, months: '1' })
  ).records;
  assert.deepEqual(
    subs.map((s) => [s.type, s.quantity, s.unit]),
    [
      ['cpu', '2000', 'core MHz'],
      ['mem', '2048', 'MB'],
    ],
  );
  assert.equal((await carol.get('/balance/info')).record.balance, '72.00', '2 GHz and 2 GB at 7.00 a month');
  assert.equal((await carol.get('/subscriptions/resources/info')).record.cpu, '2000');
  assert.equal((await carol.get('/subscriptions/list')).records.length, 2);
  assert.deepEqual((await dave.get('/subscriptions/list')).records, []);
  const cpu = subs.find((s) => s.type === 'cpu')!;
  assert.equal(
    (await carol.post(`/subscriptions/${cpu.subscription}/set/calculate`, { months: '2' })).record.amount,
    '28.00',
  );
  const ext = (await carol.post(`/subscriptions/${cpu.subscription}/set`, { months: '1' })).record;
  assert.equal(
    new Date(ext.end_time!.replace(' ', 'T') + 'Z').getUTCMonth(),
    (new Date(start.replace(' ', 'T') + 'Z').getUTCMonth() + 2) % 12,
  );
  assert.equal((await carol.get('/balance/info')).record.balance, '58.00');
  assert.equal((await dave.req('POST', `/subscriptions/${cpu.subscription}/set`, { months: '1' })).status, 404);

  const ip = (await carol.post('/subscriptions/network/ip/create', { quantity: '1', start_time: start, months: '1' }))
    .record;
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
  assert.deepEqual(
    [u.cpu, u['cpu:sub'], u['cpu:burst'], u.mem, u['mem:burst']],
    ['4000', '2000', '2000', '4096', '2048'],
  );
  const before = (await carol.get('/balance/info')).record.balance;
  const period = new Date(Math.floor(Date.now() / 300_000) * 300_000);
  await env.rt.core.billing.meterPeriod(period);
  await env.rt.core.billing.meterPeriod(period);
  const t = (await carol.get('/transactions/list')).records;
  const burst = t.filter((x) => /^5 minutes of burst use/.test(x.description!));
  assert.equal(burst.length, 1, 'a period is charged once');
  assert.equal(burst[0]!.total, '-0.30', '2 GHz at 1.20/h and 2 GB at 0.60/h for 5 minutes');
  assert.equal(
    Number((await carol.get('/balance/info')).record.balance),
    Math.round((Number(before) - 0.3) * 100) / 100,
  );
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
  await db
    .insertInto('vm_traffic')
    .values({
      vm_id: vmId,
      total_limit: 0,
      in_limit: 0,
      out_limit: 0,
      in_used: inBytes,
      out_used: outBytes,
      in_last: 0,
      out_last: 0,
      last_host_id: null,
      updated_at: new Date().toISOString(),
    })
    .execute();
}

test('transfer beyond the xfer subscription is charged per period at xfer:burst per GB, once', async () => {
  const erin = await sigmaUser(env, 'erin');
  await env.rt.core.billing.credit('erin', '100');
  await erin.post('/subscriptions/resources/create', { xfer: '1', start_time: '2031-01-01 00:00', months: '1' });
  assert.equal((await erin.get('/balance/info')).record.balance, '99.95', '1 GB of monthly transfer at 0.05');
  const vm = (await erin.post('/servers/create', { name: 'xfer', cpu: '2000', mem: '1024' })).record.server!;
  const period = (min: number) => new Date(Date.UTC(2031, 0, 10, 0, min));
  const xferCharges = async () =>
    (await erin.get('/transactions/list')).records.filter((t) => /^Data transfer/.test(t.description!));

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
  assert.equal(
    (await xferCharges()).length,
    1,
    're-running a period, an older one, or one without new traffic charges nothing',
  );
  assert.equal((await erin.get('/balance/info')).record.balance, '99.83');

  await setTraffic(vm, 2.5 * GIB, 1 * GIB);
  await env.rt.core.billing.meterPeriod(period(15));
  charges = await xferCharges();
  assert.deepEqual(
    charges.map((t) => t.total).sort(),
    ['-0.03', '-0.12'],
    'another half GB, all beyond the subscription',
  );

  const u = (await erin.get('/usage/info')).record;
  assert.deepEqual([u['rx:total'], u['tx:total'], u['xfer:total']], [String(2.5 * GIB), String(GIB), '3.5']);
  assert.deepEqual((await dave.get('/transactions/list')).records, [], 'dave moves no traffic and pays nothing');
});

/** Everything a purchase may touch, as one account sees it, plus the leases of every pool. */
async function snapshot(c: SigmaClient) {
  return {
    ips: (await c.get('/resources/ip/list')).list,
    vlans: (await c.get('/resources/vlan/list')).list,
    subs: (await c.get('/subscriptions/list')).records,
    balance: (await c.get('/balance/info')).record.balance,
    transactions: (await c.get('/transactions/list')).records,
    leases: Number(
      (
        await env.rt.store.db
          .selectFrom('ip_leases')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  };
}

test('an IP subscription that exhausts the pool midway leaves no IP, subscription or charge behind', async () => {
  const gina = await sigmaUser(env, 'gina');
  await env.rt.core.billing.credit('gina', '10000');
  const start = stamp(new Date());
  const first = (await gina.post('/subscriptions/network/ip/create', { quantity: '1', start_time: start, months: '1' }))
    .record.resource!;
  const zone = (await env.rt.core.catalog.listZones())[0]!;
  const pool = await env.rt.store.db
    .selectFrom('networks')
    .selectAll()
    .where('zone_id', '=', zone.id)
    .where('type', '=', 'ElasticIP')
    .executeTakeFirstOrThrow();
  const size = Number(pool.end_ip!.split('.')[3]) - Number(pool.start_ip!.split('.')[3]) + 1;
  const taken = (
    await env.rt.store.db.selectFrom('ip_leases').select('address').where('network_id', '=', pool.id).execute()
  ).length;
  const free = size - taken;
  assert.ok(free > 1, 'the pool has room for several IPs before it runs out');
  const before = await snapshot(gina);
  const bad = await gina.post(
    '/subscriptions/network/ip/create',
    { quantity: String(free + 1), start_time: start, months: '1' },
    400,
  );
  assert.match(bad.text, /No free IP address left/);
  assert.deepEqual(await snapshot(gina), before, `${free} IPs were leased before the pool ran out, and all went back`);
  const next = (await gina.post('/subscriptions/network/ip/create', { quantity: '1', start_time: start, months: '1' }))
    .record.resource!;
  assert.deepEqual(
    (await gina.get('/resources/ip/list')).list,
    [first, next],
    'the next purchase gets an address as if nothing happened',
  );
  await env.rt.core.billing.credit('gina', '-9994');
  const poor = await snapshot(gina);
  assert.equal(poor.balance, '0.00');
  assert.match(
    (await gina.post('/subscriptions/network/ip/create', { quantity: '1', start_time: start, months: '1' }, 400)).text,
    /Insufficient balance/,
  );
  assert.deepEqual(await snapshot(gina), poor);
});

test('VLAN subscriptions: concurrent purchases cannot both spend the same balance; the loser leaves no VLAN behind', async () => {
  const hank = await sigmaUser(env, 'hank');
  await env.rt.core.billing.credit('hank', '10');
  const start = stamp(new Date());
  const acct = await env.rt.store.db
    .selectFrom('accounts')
    .select(['id', 'name'])
    .where('name', '=', 'hank')
    .executeTakeFirstOrThrow();
  const ctx = {
    accountId: acct.id,
    accountName: acct.name,
    userId: null,
    isAdmin: false,
    requestId: 'test',
    origin: 'test',
  };
  // Straight to the core, so that the three orders run truly at once (each HTTP request would first wait for its password check).
  const buy = () => env.rt.core.billing.subscribe(ctx, 'vlan', { quantities: { vlan: 2 }, start, months: 1 });
  const outcomes = await Promise.allSettled([buy(), buy(), buy()]);
  assert.deepEqual(
    outcomes.map((o) => o.status).sort(),
    ['fulfilled', 'rejected', 'rejected'],
    'only one order of 2 VLANs at 5.00 fits a balance of 10.00',
  );
  for (const o of outcomes) if (o.status === 'rejected') assert.match(String(o.reason), /Insufficient balance/);
  const won = outcomes
    .flatMap((o) => (o.status === 'fulfilled' ? o.value.subscriptions.map((v) => v.resource) : []))
    .sort();
  assert.equal(won.length, 2);
  const after = await snapshot(hank);
  assert.deepEqual([...after.vlans].sort(), won, 'the VLANs of the successful order and no others');
  assert.equal(after.subs.length, 2);
  assert.equal(after.balance, '0.00');
  assert.deepEqual(after.transactions.map((t) => t.total).sort(), ['-10.00', '10.00']);
  const bad = await hank.post(
    '/subscriptions/resources/create',
    { cpu: '2000', mem: '1000', start_time: start, months: '1' },
    400,
  );
  assert.match(bad.text, /^errors:mem The minimum memory subscription is 1024 MB$/m);
  assert.deepEqual(await snapshot(hank), after, 'an order with one invalid part buys none of it');
});

/** Sets a VM's state as a lifecycle change at an explicit time would (the usage log takes updated_at as the time). */
async function lifecycle(vmId: string, state: string, at: string): Promise<void> {
  await env.rt.store.db
    .updateTable('vms')
    .set({ state, updated_at: new Date(at).toISOString() })
    .where('id', '=', vmId)
    .execute();
}

test('burst is charged for what ran during each period: stopped VMs still count, later VMs do not, peaks not sums', async () => {
  const ivy = await sigmaUser(env, 'ivy');
  await env.rt.core.billing.credit('ivy', '100');
  const a = (await ivy.post('/servers/create', { name: 'a', cpu: '2000', mem: '1024' })).record.server!;
  const b = (await ivy.post('/servers/create', { name: 'b', cpu: '4000', mem: '2048' })).record.server!;
  const t = (hhmm: string) => `2031-02-01T${hhmm}Z`;
  await lifecycle(a, 'running', t('00:01:00'));
  await lifecycle(a, 'stopped', t('00:03:00'));
  await lifecycle(a, 'starting', t('00:06:00'));
  await lifecycle(a, 'running', t('00:06:01'));
  await lifecycle(a, 'stopped', t('00:07:00'));
  await lifecycle(b, 'running', t('00:08:00'));
  await lifecycle(b, 'stopped', t('00:09:00'));
  await lifecycle(b, 'running', t('00:15:00'));
  const burst = async () =>
    (await ivy.get('/transactions/list')).records
      .filter((x) => /^5 minutes of burst use/.test(x.description!))
      .map((x) => [x.description!.replace(/^.* from 2031-02-01 (\d\d:\d\d):00 until .*$/, '$1'), x.total])
      .sort();
  const meter = (hhmm: string) => env.rt.core.billing.meterPeriod(new Date(t(`${hhmm}:00`)));

  await Promise.all([meter('00:00'), meter('00:00'), meter('00:05'), meter('00:05')]);
  await meter('00:10');
  await meter('00:15');
  await lifecycle(b, 'stopped', t('00:22:00'));
  await meter('00:15');
  assert.deepEqual(
    await burst(),
    [
      ['00:00', '-0.25'], // a ran 00:01-00:03 and was stopped before the meter ran: 2 GHz at 1.20/h, 1 GB at 0.60/h
      ['00:05', '-0.50'], // a (00:06-00:07) then b (00:08-00:09): the peak is b's 4 GHz and 2 GB, not the sum of both
      ['00:15', '-0.50'], // b started at 00:15:00, when the 00:10 period had ended, and was stopped after the meter ran
    ],
    'each period charged once, even when metered concurrently or again',
  );
  assert.equal((await ivy.get('/balance/info')).record.balance, '98.75');

  await pruneUsageLog(env.rt.store.db, t('00:16:00'));
  const kept = await env.rt.store.db
    .selectFrom('vm_usage_log')
    .select(['vm_id', 'state', 'at'])
    .where('vm_id', 'in', [a, b])
    .orderBy('at')
    .execute();
  assert.deepEqual(
    kept.map((r) => [r.vm_id === a ? 'a' : 'b', r.state, r.at]),
    [
      ['b', 'running', new Date(t('00:15:00')).toISOString()],
      ['b', 'stopped', new Date(t('00:22:00')).toISOString()],
    ],
    'pruning keeps only what periods from the horizon on need',
  );
  await meter('00:20');
  assert.deepEqual((await burst()).at(-1), ['00:20', '-0.50'], 'b, running since before the horizon, is still charged');
});

test('a VM started and stopped through the API is charged for the period it ran in, also by another process after a restart', async () => {
  const jack = await sigmaUser(env, 'jack');
  const s = (await jack.post('/servers/create', { name: 'brief', cpu: '2000', mem: '1024' })).record.server!;
  await jack.get(`/servers/${s}/start`);
  assert.equal((await jack.req('GET', `/servers/${s}/stop`)).status, 204);
  assert.equal((await jack.get(`/servers/${s}/info`)).record.status, 'stopped');
  const log = await env.rt.store.db
    .selectFrom('vm_usage_log')
    .select(['state', 'at'])
    .where('vm_id', '=', s)
    .orderBy('at')
    .orderBy('seq')
    .execute();
  assert.deepEqual(
    log.map((r) => r.state).filter((x, i, all) => x !== all[i - 1]),
    ['creating', 'stopped', 'starting', 'running', 'stopping', 'stopped'],
  );
  const ran = Math.floor(new Date(log.find((r) => r.state === 'starting')!.at).getTime() / 300_000) * 300_000;
  const charges = async () =>
    (await jack.get('/transactions/list')).records.map((x) => x.description!.replace(/ \(.*$/, '') + ' ' + x.total);

  await env.rt.core.billing.meterPeriod(new Date(ran - 300_000));
  assert.deepEqual(await charges(), [], 'the period before the start charges nothing');
  // A second process sharing the database (PostgreSQL only: on SQLite one process owns the file) meters the same period.
  const other =
    TEST_DB === 'postgres'
      ? await createRuntime(env.config, { log: pino({ level: 'silent' }), masterKey: env.masterKey })
      : env.rt;
  try {
    await Promise.all([other.core.billing.meterPeriod(new Date(ran)), env.rt.core.billing.meterPeriod(new Date(ran))]);
  } finally {
    if (other !== env.rt) await other.close();
  }
  const stopped = log.at(-1)!.at;
  const periods = new Date(stopped).getTime() >= ran + 300_000 ? 2 : 1;
  if (periods === 2) await env.rt.core.billing.meterPeriod(new Date(ran + 300_000));
  assert.deepEqual(
    await charges(),
    Array(periods).fill('5 minutes of burst use -0.25'),
    'charged once for each period it ran in',
  );
});
