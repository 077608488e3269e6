/**
 * PostgreSQL outage proof: a real `nube serve` reaches its database through a TCP proxy this test controls. Losing the
 * LISTEN connection, pooled connections under load, or the whole database for ~5 s must not end the process; requests
 * in an outage answer each dialect's "unavailable" error, and everything works again (tasks included) once it is back.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { readFileSync } from 'node:fs';
import { TEST_DB, freshDatabase } from '../support/runtime.js';
import { startServe, type ServeChild } from './child.js';
import { HttpCs } from './http-cs.js';
import { TcpProxy } from './tcp-proxy.js';

const SKIP =
  TEST_DB === 'postgres'
    ? false
    : 'PostgreSQL only (NUBE_TEST_DB=postgres): the outage is a lost PostgreSQL connection';
const PG_ADMIN = process.env.NUBE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** A password in the URL (trust auth ignores it) that must never be printed. */
const URL_PASSWORD = 'outage-proof-pw';
const UNAVAILABLE = /The database is unavailable; try again shortly/;

interface Setup {
  child: ServeChild;
  proxy: TcpProxy;
  cs: HttpCs;
  dbName: string;
  creds: Creds;
  deployParams: Record<string, string>;
}
interface Creds {
  email: string;
  password: string;
  cloudstack: { key: string; secret: string };
  cvm: { public: string; private: string };
  cloudsigma: { user: string; password: string };
}

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function admin<T extends pg.QueryResultRow = Record<string, unknown>>(
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh database, a proxy in front of PostgreSQL and the serve URL that goes through it. */
async function proxiedDatabase() {
  const db = await freshDatabase();
  cleanups.push(db.drop);
  const url = new URL(db.env.DATABASE_URL!);
  const target = new URL(PG_ADMIN);
  const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
  cleanups.push(() => proxy.close());
  url.host = `127.0.0.1:${proxy.port}`;
  url.password = URL_PASSWORD;
  return { db, proxy, dbName: url.pathname.slice(1), env: { ...db.env, DATABASE_URL: url.toString() } };
}

async function setup(extra: Record<string, string> = {}): Promise<Setup> {
  const { db, proxy, dbName, env } = await proxiedDatabase();
  const child = await startServe({ ...env, ...extra });
  cleanups.push(() => child.stop());
  const creds = JSON.parse(readFileSync(`${db.env.NUBE_DATA_DIR}/credentials.json`, 'utf8')) as Creds;
  const cs = new HttpCs(child.baseUrl, creds.cloudstack.key, creds.cloudstack.secret, 16);
  cleanups.push(() => cs.close());
  const zone = (await cs.ok('listZones')).zone[0];
  const offering = (await cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
  const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  return {
    child,
    proxy,
    cs,
    dbName,
    creds,
    deployParams: { zoneid: zone.id, serviceofferingid: offering.id, templateid: template.id },
  };
}

/** Polls a job until it ends; its final queryAsyncJobResult body. */
async function jobResult(cs: HttpCs, jobid: string, timeoutMs = 30_000): Promise<any> {
  let job: any;
  await until(`job ${jobid}`, timeoutMs, async () => {
    job = await cs.ok('queryAsyncJobResult', { jobid });
    return job.jobstatus !== 0;
  });
  return job;
}

function assertAlive(s: Setup): void {
  assert.equal(s.child.proc.exitCode, null, `nube serve is still running:\n${s.child.output()}`);
  assert.equal(s.child.proc.signalCode, null);
  assert.doesNotMatch(s.child.output(), /Unhandled 'error' event|uncaught/i);
}

function assertNoStackTraces(s: Setup): void {
  const out = s.child.output();
  assert.doesNotMatch(out, /\n\s+at |\\n\s+at |"stack"/, `no stack trace in the log:\n${out}`);
  assert.doesNotMatch(out, /Internal error/, 'no request ended as an internal error');
}

test(
  'terminating the LISTEN connection: serve survives, listens again and still deploys',
  { skip: SKIP, timeout: 90_000 },
  async () => {
    const s = await setup();
    const listeners = () =>
      admin<{ pid: number }>(`select pid from pg_stat_activity where query ilike 'LISTEN%' and datname = $1`, [
        s.dbName,
      ]);
    const before = (await listeners()).map((r) => r.pid);
    assert.ok(before.length >= 1, 'the task engine listens');
    await admin(`select pg_terminate_backend(pid) from pg_stat_activity where query ilike 'LISTEN%' and datname = $1`, [
      s.dbName,
    ]);
    await until('a new LISTEN connection', 20_000, async () =>
      (await listeners()).some((r) => !before.includes(r.pid)),
    );
    const deploy = await s.cs.ok('deployVirtualMachine', s.deployParams);
    const job = await jobResult(s.cs, deploy.jobid);
    assert.equal(job.jobstatus, 1, JSON.stringify(job));
    assert.equal(job.jobresult.virtualmachine.state, 'Running');
    assertAlive(s);
  },
);

test(
  'terminating pooled connections under load: serve survives, answers 200 or 533, and every accepted deploy runs',
  { skip: SKIP, timeout: 120_000 },
  async (t) => {
    const s = await setup({ NUBE_SIM_DELAY_MS: '100' });
    const statuses = new Map<number, number>();
    const jobs: string[] = [];
    const refusals: string[] = [];
    let stop = false;
    const worker = async (i: number) => {
      while (!stop) {
        const r =
          i % 2 === 0
            ? await s.cs.call('deployVirtualMachine', s.deployParams)
            : await s.cs.call('listVirtualMachines');
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 200 && r.body?.jobid) jobs.push(r.body.jobid);
        else if (r.status !== 200) refusals.push(r.raw);
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, i) => worker(i)));
    let killed = 0;
    for (let round = 0; round < 6; round++) {
      await sleep(400);
      killed += (await admin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1`, [s.dbName]))
        .length;
    }
    stop = true;
    await load;
    t.diagnostic(
      `terminated ${killed} backends; answers by status: ${JSON.stringify(Object.fromEntries(statuses))}; ${jobs.length} deploys accepted`,
    );
    assertAlive(s);
    assert.ok(killed >= 6, 'backends were terminated');
    assert.deepEqual(
      [...statuses.keys()].filter((c) => c !== 200 && c !== 533),
      [],
      `only 200 or 533 (unavailable): ${refusals.slice(0, 3).join('\n')}`,
    );
    for (const raw of refusals) assert.match(raw, UNAVAILABLE);
    assert.ok(jobs.length > 0);
    for (const jobid of jobs) {
      const job = await jobResult(s.cs, jobid, 60_000);
      assert.equal(
        job.jobstatus,
        1,
        `a deploy interrupted by a lost connection runs again instead of failing: ${JSON.stringify(job)}`,
      );
    }
    assertNoStackTraces(s);
  },
);

test(
  'a 5 s outage: each dialect answers its unavailable error, then requests and tasks succeed again',
  { skip: SKIP, timeout: 120_000 },
  async () => {
    const s = await setup({ NUBE_SIM_DELAY_MS: '1500' });
    const inflight = await s.cs.ok('deployVirtualMachine', s.deployParams);
    await sleep(300);
    const cutAt = Date.now();
    await s.proxy.refuse();

    const cs = await s.cs.call('listVirtualMachines');
    assert.equal(cs.status, 533, cs.raw);
    assert.equal(cs.body.errorcode, 533);
    assert.match(cs.body.errortext, UNAVAILABLE);

    const cvm = await fetch(`${s.child.baseUrl}/api/client/vps/list`, {
      headers: { 'api-public-token': s.creds.cvm.public, 'api-private-token': s.creds.cvm.private },
    });
    assert.equal(cvm.status, 503);
    const cvmBody = (await cvm.json()) as { errors: string[] };
    assert.match(cvmBody.errors[0]!, UNAVAILABLE);

    const basic = (user: string, pw: string) => ({
      authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`,
    });
    // CloudSigma 1.0 has no 503: its error table answers 500 for a system error, with the text body.
    const sigma = await fetch(`${s.child.baseUrl}/drives/list`, {
      headers: basic(s.creds.cloudsigma.user, s.creds.cloudsigma.password),
    });
    assert.equal(sigma.status, 500);
    assert.match(await sigma.text(), /^errors: The database is unavailable; try again shortly\n$/);

    const adm = await fetch(`${s.child.baseUrl}/admin/hosts`, { headers: basic(s.creds.email, s.creds.password) });
    assert.equal(adm.status, 503);
    assert.match(((await adm.json()) as { error: string }).error, UNAVAILABLE);

    await sleep(Math.max(0, 5000 - (Date.now() - cutAt)));
    assertAlive(s);
    await s.proxy.accept();

    await until('listZones to answer 200 again', 30_000, async () => (await s.cs.call('listZones')).status === 200);
    const job = await jobResult(s.cs, inflight.jobid);
    assert.equal(job.jobstatus, 1, `the deploy in flight during the outage completes: ${JSON.stringify(job)}`);
    assert.equal(job.jobresult.virtualmachine.state, 'Running');
    const again = await s.cs.ok('deployVirtualMachine', s.deployParams);
    assert.equal((await jobResult(s.cs, again.jobid)).jobstatus, 1, 'new deploys run');
    assertAlive(s);
    assertNoStackTraces(s);
  },
);

test(
  'serve started while PostgreSQL refuses connections waits for it and gets ready once it accepts',
  { skip: SKIP, timeout: 90_000 },
  async () => {
    const { proxy, env } = await proxiedDatabase();
    await proxy.refuse();
    let waiting = (_: string) => undefined as void;
    const refused = new Promise<void>((resolve) => {
      waiting = (out) => {
        if (/Waiting for PostgreSQL/.test(out)) resolve();
      };
    });
    const starting = startServe(env, { timeoutMs: 60_000, onOutput: (out) => waiting(out) });
    starting.catch(() => undefined);
    await Promise.race([refused, starting]);
    await sleep(2000);
    await proxy.accept();
    const child = await starting;
    cleanups.push(() => child.stop());
    const out = child.output();
    assert.match(
      out,
      /Waiting for PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/nube_t_\w+ \(.*ECONNREFUSED.*\)/,
    );
    assert.ok(!out.includes(URL_PASSWORD), 'the database password is never printed');
    assert.equal((await fetch(`${child.baseUrl}/readyz`)).status, 200);
  },
);
