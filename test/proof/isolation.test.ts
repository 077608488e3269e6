import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEnv, type TestEnv } from '../support/runtime.js';
import type { CsClient } from '../support/cs-client.js';
import { allCommands } from '../../src/dialects/cloudstack/commands/index.js';

let env: TestEnv;
let bob: CsClient;
const aliceIds = new Map<string, string>();
before(async () => {
  env = await startTestEnv();
  bob = await env.account('bob');
});
after(async () => {
  await env.close();
});

/** Builds a realistic set of resources owned by alice and remembers their ids by kind. */
async function aliceEstate(): Promise<void> {
  const a = env.cs;
  const zone = (await a.ok('listZones')).zone[0];
  const offering = (await a.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
  const template = (await a.ok('listTemplates', { templatefilter: 'featured' })).template[0];
  const tryOk = async (cmd: string, p: Record<string, string | number>) => {
    const r = await a.call(cmd, p);
    return r.status === 200 ? r.body : undefined;
  };
  const tryDone = async (cmd: string, p: Record<string, string | number>) => {
    try {
      return await a.done(cmd, p);
    } catch {
      return undefined;
    }
  };
  const kp = await tryOk('createSSHKeyPair', { name: 'alice-key' });
  const sg = (await tryOk('createSecurityGroup', { name: 'alice-sg' }))?.securitygroup;
  if (sg) {
    aliceIds.set('securitygroup', sg.id);
    const rule = await tryDone('authorizeSecurityGroupIngress', {
      securitygroupid: sg.id,
      protocol: 'TCP',
      startport: 22,
      endport: 22,
      cidrlist: '0.0.0.0/0',
    });
    const ruleId = rule?.securitygroup?.ingressrule?.[0]?.ruleid;
    if (ruleId) aliceIds.set('rule', ruleId);
  }
  const ag = (await tryOk('createAntiAffinityGroup', { name: 'alice-ag' }))?.affinitygroup;
  if (ag) aliceIds.set('affinitygroup', ag.id);
  const vm = (
    await a.done('deployVirtualMachine', {
      zoneid: zone.id,
      serviceofferingid: offering.id,
      templateid: template.id,
      name: 'alice-vm',
      ...(kp ? { keypair: 'alice-key' } : {}),
    })
  ).virtualmachine;
  aliceIds.set('vm', vm.id);
  aliceIds.set('nic', vm.nic[0].id);
  const stopped = (
    await a.done('deployVirtualMachine', {
      zoneid: zone.id,
      serviceofferingid: offering.id,
      templateid: template.id,
      name: 'alice-stopped',
      startvm: 'false',
    })
  ).virtualmachine;
  aliceIds.set('stoppedvm', stopped.id);
  const pool = await tryOk('createInstancePool', {
    name: 'alice-pool',
    zoneid: zone.id,
    serviceofferingid: offering.id,
    templateid: template.id,
    size: 1,
  });
  if (pool) {
    aliceIds.set('instancepool', pool.id);
    // Settled before alice's view is taken, so only bob's attempts could change it.
    for (let i = 0; i < 400; i++) {
      const p = (await a.ok('getInstancePool', { id: pool.id })).instancepool[0];
      if (p.state === 'running' && p.virtualmachines[0]?.state === 'Running') break;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  const root = (await tryOk('listVolumes', { virtualmachineid: vm.id }))?.volume?.[0];
  if (root) aliceIds.set('volume', root.id);
  const disk = (await a.ok('listDiskOfferings')).diskoffering.find((d: { iscustomized: boolean }) => !d.iscustomized);
  const data = (await tryDone('createVolume', { name: 'alice-data', diskofferingid: disk.id, zoneid: zone.id }))
    ?.volume;
  if (data) aliceIds.set('datavolume', data.id);
  if (root) {
    const snap = (await tryDone('createSnapshot', { volumeid: root.id }))?.snapshot;
    if (snap) aliceIds.set('snapshot', snap.id);
  }
  const ip = (await tryDone('associateIpAddress', { zoneid: zone.id }))?.ipaddress;
  if (ip) aliceIds.set('ip', ip.id);
  const net = (await tryOk('createNetwork', { name: 'alice-net', displaytext: 'alice', zoneid: zone.id }))?.network;
  if (net) aliceIds.set('network', net.id);
  const tpl = await tryDone('registerCustomTemplate', {
    name: 'alice-tpl',
    displaytext: 'alice',
    zoneid: zone.id,
    url: 'http://example.invalid/t.qcow2',
    checksum: '0123456789abcdef0123456789abcdef',
  });
  const tplId = tpl?.template?.[0]?.id ?? tpl?.template?.id;
  if (tplId) aliceIds.set('template', tplId);
  const job = await a.ok('stopVirtualMachine', { id: stopped.id }).catch(() => undefined);
  if (job?.jobid) aliceIds.set('job', job.jobid);
  const jobs = await a.ok('listAsyncJobs');
  aliceIds.set('job', jobs.asyncjobs[0].jobid);
}

/** Snapshot of what alice can observe, compared before and after bob's attempts. */
async function aliceView(): Promise<string> {
  const out: unknown[] = [];
  for (const cmd of [
    'listVirtualMachines',
    'listVolumes',
    'listSnapshots',
    'listSecurityGroups',
    'listAntiAffinityGroups',
    'listSSHKeyPairs',
    'listPublicIpAddresses',
    'listNetworks',
    'listTags',
    'listInstancePools',
  ]) {
    const r = await env.cs.call(cmd);
    if (r.status === 200)
      out.push(
        cmd,
        JSON.stringify(r.body, (k, v) =>
          ['cpuused', 'networkkbsread', 'networkkbswrite'].includes(k) ? undefined : v,
        ),
      );
  }
  return out.join('\n');
}

test('a second account using the first account\'s ids gets "not found" from every command', async () => {
  await aliceEstate();
  const before = await aliceView();
  const ids = [...aliceIds.values()];
  const leaks: string[] = [];
  let calls = 0;
  for (const cmd of allCommands()) {
    const uuidParams = cmd.params.filter((p) => p.type === 'uuid' || p.type === 'uuidlist');
    if (uuidParams.length === 0) continue;
    for (const target of uuidParams) {
      for (const id of ids) {
        const params: Record<string, string> = {};
        for (const p of cmd.params) {
          if (p === target) params[p.name] = id;
          else if (p.required && (p.type === 'uuid' || p.type === 'uuidlist')) params[p.name] = id;
          else if (p.required)
            params[p.name] =
              p.type === 'integer' || p.type === 'long' || p.type === 'short'
                ? '1'
                : p.type === 'boolean'
                  ? 'true'
                  : p.name === 'templatefilter'
                    ? 'self'
                    : p.name === 'protocol'
                      ? 'TCP'
                      : p.name === 'resourcetype'
                        ? 'UserVm'
                        : 'x';
        }
        if (target.name === 'resourceids' || target.name === 'resourceid') params.resourcetype = 'UserVm';
        const r = await bob.call(cmd.name, params);
        calls++;
        if (r.status >= 500) leaks.push(`${cmd.name}(${target.name}=${id}) -> HTTP ${r.status} ${r.raw.slice(0, 200)}`);
        if (r.status !== 200) continue;
        const body = r.body ?? {};
        if (body.jobid) {
          const j = await bob.ok('queryAsyncJobResult', { jobid: body.jobid });
          let job = j;
          for (let i = 0; i < 200 && job.jobstatus === 0; i++) {
            await new Promise((res) => setTimeout(res, 10));
            job = await bob.ok('queryAsyncJobResult', { jobid: body.jobid });
          }
          if (job.jobstatus === 1 && JSON.stringify(job.jobresult).includes(id))
            leaks.push(
              `${cmd.name}(${target.name}=${id}) -> job succeeded: ${JSON.stringify(job.jobresult).slice(0, 200)}`,
            );
          continue;
        }
        const listKey = Object.keys(body).find((k) => k !== 'count');
        const isList = typeof body.count === 'number';
        if (isList && body.count > 0 && JSON.stringify(body).includes(id))
          leaks.push(`${cmd.name}(${target.name}=${id}) -> listed alice's object`);
        else if (!isList && JSON.stringify(body).includes(id))
          leaks.push(`${cmd.name}(${target.name}=${id}) -> answered with alice's object (${listKey})`);
      }
    }
  }
  assert.deepEqual(leaks, [], `isolation leaks after ${calls} calls`);
  assert.ok(calls > 100, `exercised ${calls} calls`);
  assert.equal(await aliceView(), before, "alice's resources are untouched");
  const j = await bob.call('queryAsyncJobResult', { jobid: aliceIds.get('job')! });
  assert.equal(j.status, 431, "alice's job is not found for bob");
});
