/** Graceful shutdown of a real `nube serve`: SIGTERM lets a request in flight finish, a second signal exits at once, and a task cut short is finished by the next start. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { request } from 'undici';
import { freshDatabase } from '../support/runtime.js';
import { startServe, type ServeChild } from '../proof/child.js';
import { HttpCs } from '../proof/http-cs.js';
import { until } from '../support/until.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A server on a fresh store whose simulated VM operations take 1.5 s, with a running VM and its CVM id. */
async function serverWithVm(extra: Record<string, string> = {}) {
  const db = await freshDatabase();
  const env = { ...db.env, NUBE_SIM_DELAY_MS: '1500', NUBE_LOG_LEVEL: 'info', ...extra };
  const srv = await startServe(env);
  cleanups.push(async () => {
    await srv.kill9();
    await db.drop();
  });
  const creds = JSON.parse(readFileSync(join(db.env.NUBE_DATA_DIR!, 'credentials.json'), 'utf8'));
  const cs = new HttpCs(srv.baseUrl, creds.cloudstack.key, creds.cloudstack.secret, 2);
  cleanups.push(() => cs.close());
  const zoneid = (await cs.ok('listZones')).zone[0].id;
  const serviceofferingid = (await cs.ok('listServiceOfferings')).serviceoffering[0].id;
  const templateid = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0].id;
  const { jobid } = await cs.ok('deployVirtualMachine', { zoneid, serviceofferingid, templateid });
  await until(
    'the VM to be deployed',
    async () => (await cs.ok('queryAsyncJobResult', { jobid })).jobstatus === 1,
    30_000,
    100,
  );
  const cvm = { 'API-Public-Token': creds.cvm.public, 'API-Private-Token': creds.cvm.private };
  const list = await request(`${srv.baseUrl}/api/client/vps/list`, { headers: cvm });
  const vps = ((await list.body.json()) as { response: { vpses: Array<{ id: string }> } }).response.vpses[0]!;
  return { db, env, srv, cvm, vpsId: vps.id, cs };
}

/** Resolves with the exit code once proc has exited. */
async function exitCode(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode === null && proc.signalCode === null) await once(proc, 'exit');
  return proc.exitCode;
}

/** Sends a CVM stop (answered once the VM has stopped) and waits until its task runs on the server. */
async function stopInFlight(srv: ServeChild, cvm: Record<string, string>, vpsId: string) {
  const startedSoFar = () => srv.output().split('"msg":"task started"').length;
  const before = startedSoFar();
  const answer = request(`${srv.baseUrl}/api/client/vps/${vpsId}/stop`, { method: 'POST', headers: cvm });
  // Settled as a status or 'cut off', so it never rejects unobserved while the test signals the server.
  const outcome = answer.then(
    async (r) => ({ status: r.statusCode, body: await r.body.json() }),
    () => 'cut off' as const,
  );
  await until('the stop task to start', () => startedSoFar() > before, 10_000, 20);
  return { outcome };
}

test('SIGTERM lets a request in flight finish, refuses new connections, logs the shutdown and exits 0', async () => {
  const { srv, cvm, vpsId } = await serverWithVm();
  const { outcome } = await stopInFlight(srv, cvm, vpsId);
  srv.proc.kill('SIGTERM');
  await until('the shutdown line', () => /shutting down/.test(srv.output()), 10_000, 20);
  const late = await fetch(`${srv.baseUrl}/healthz`).then(
    (r) => r.status,
    () => 'refused',
  );
  assert.ok(late === 'refused' || late === 503, `a new request after SIGTERM got ${late}`);
  assert.deepEqual(await outcome, { status: 200, body: { response: {} } }, 'the stop in flight was answered');
  assert.equal(await exitCode(srv.proc), 0, srv.output().slice(-3000));
  assert.match(srv.output(), /"msg":"stopped"/);
});

test('a second signal exits at once (130), and the next start finishes the task it cut short', async () => {
  const { env, srv, cvm, vpsId } = await serverWithVm({ NUBE_TASK_LEASE_MS: '1000' });
  const { outcome } = await stopInFlight(srv, cvm, vpsId);
  srv.proc.kill('SIGTERM');
  await until('the shutdown line', () => /shutting down/.test(srv.output()), 10_000, 20);
  srv.proc.kill('SIGTERM');
  assert.equal(await exitCode(srv.proc), 130);
  assert.equal(await outcome, 'cut off', 'the request in flight was not answered');
  assert.match(srv.output(), /second signal/);
  const again = await startServe(env);
  cleanups.push(() => again.kill9());
  await until(
    'the VM to be stopped by the recovered task',
    async () => {
      const r = await request(`${again.baseUrl}/api/client/vps/${vpsId}/status`, { headers: cvm });
      const body = (await r.body.json()) as { response?: { status?: string } };
      return body.response?.status === 'stopped';
    },
    30_000,
    100,
  );
  await again.stop();
});

test('every access line written before a SIGTERM is in the output when the process has exited', async () => {
  const db = await freshDatabase();
  const srv = await startServe({ ...db.env, NUBE_LOG_LEVEL: 'info' });
  cleanups.push(async () => {
    await srv.kill9();
    await db.drop();
  });
  const n = 300;
  await Promise.all(Array.from({ length: n }, () => fetch(`${srv.baseUrl}/healthz`).then((r) => r.arrayBuffer())));
  srv.proc.kill('SIGTERM');
  assert.equal(await exitCode(srv.proc), 0, srv.output().slice(-3000));
  const lines = srv
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{"'))
    .map((l) => JSON.parse(l) as { msg?: string; route?: string });
  assert.equal(lines.filter((l) => l.msg === 'request' && l.route === '/healthz').length, n);
  assert.equal(lines.at(-1)?.msg, 'stopped');
});
