/** Servers (seed section 8): a server is a core VM; every command waits for its task (409 busy, 504 past the timeout). */
import type { SigmaCall, SigmaRouter } from '../router.js';
import type { VmView } from '../../../core/vms/model.js';
import type { VmReshape } from '../../../core/vms/sized.js';
import { invalid, timedOut } from '../../../lib/errors.js';
import { awaitTask } from '../../shared/await-task.js';
import { VM_LIST } from '../../../core/permissions.js';
import { AnswerCache, readAt } from '../../shared/answer-cache.js';
import { encodeList, encodeRecord, encodeRecords, type SigmaRecord } from '../../../lib/sigma-text.js';
import { deviceIdOf, deviceKey } from '../views.js';
import { serverPaths } from '../router.js';
import { required } from './drives.js';

/** The console password: kept by core (encrypted), not among the settings. */
const VNC_PASSWORD = 'vnc:password';
const SETTING =
  /^(nic:[0-9]:(model|dhcp|vlan|mac)|vnc:(ip|tls)|boot|persistent|parent|(ide:[01]:[01]|block:[0-7]):media)$/;

/** Registers the server commands under /servers and /guests. */
export function serverRoutes(r: SigmaRouter): void {
  r.route('read', serverPaths('/list'), async (c) => ({
    text: encodeList((await c.core.vms.list(c.ctx)).items.map((v) => v.id)),
  }));
  const answers = new AnswerCache(r.core, VM_LIST);
  // The list depends only on the account, its VMs, their settings and drives, and their traffic counters: its text is kept by data version for at most a second (AnswerCache.metered).
  r.route(
    'read',
    serverPaths('/info'),
    async (c) => ({
      text: await answers.metered(
        c.ctx,
        '',
        async (version) => ({
          text: encodeRecords(await records(c, (await c.core.vms.list(readAt(c.ctx, version))).items)),
          ok: true,
        }),
        c.req.arrivedAt,
      ),
    }),
    { cached: (ctx, req) => answers.peek(ctx, '', req.arrivedAt, true) },
  );
  r.route('read', serverPaths('/:id/info'), async (c) => ({ text: await recordText(c, c.params.id!) }));
  r.route('body', serverPaths('/create'), async (c) => {
    const input = serverInput(c.record(), true);
    const { receipt } = await c.core.vms.create(c.ctx, { ...input, size: input.size ?? {} });
    await settle(c, receipt.taskId);
    return { text: await recordText(c, receipt.objectId) };
  });
  r.route('body', serverPaths('/:id/set'), async (c) => {
    await c.core.vms.reshape(c.ctx, c.params.id!, serverInput(c.record(), false));
    return { text: await recordText(c, c.params.id!) };
  });
  r.route('body', serverPaths('/:id/clone'), async (c) => {
    const name = required(c.record(), 'name');
    const src = await c.core.vms.get(c.ctx, c.params.id!);
    const [old] = await records(c, [src]);
    const extras: Record<string, string> = {};
    for (const [k, v] of Object.entries(old!))
      if (SETTING.test(k) && !/^nic:\d:(dhcp|mac)$/.test(k) && v !== undefined) extras[k] = String(v);
    const consolePassword = old![VNC_PASSWORD] === undefined ? undefined : String(old![VNC_PASSWORD]);
    const { receipt } = await c.core.vms.clone(c.ctx, src.id, { name, extras, consolePassword });
    await settle(c, receipt.taskId);
    return { text: await recordText(c, receipt.objectId) };
  });
  r.route('action', serverPaths('/:id/start'), async (c) => {
    await start(c, c.params.id!);
    return { text: await recordText(c, c.params.id!) };
  });
  r.route('action', serverPaths('/:id/stop'), async (c) => {
    await stop(c, c.params.id!, true);
    return undefined;
  });
  r.route('action', serverPaths('/:id/shutdown'), async (c) => {
    await stop(c, c.params.id!, false);
    return undefined;
  });
  r.route('action', serverPaths('/:id/reset'), async (c) => {
    const vm = await c.core.vms.get(c.ctx, c.params.id!);
    if (vm.state === 'running') await settle(c, (await c.core.vms.reboot(c.ctx, vm.id)).taskId);
    else await start(c, vm.id);
    return undefined;
  });
  r.route('action', serverPaths('/:id/destroy'), async (c) => {
    await destroy(c, c.params.id!);
    return undefined;
  });
  for (const [verb, fn] of [
    ['start', start],
    ['stop', (c: SigmaCall, id: string) => stop(c, id, true)],
    ['destroy', destroy],
  ] as const) {
    r.route('body', [...serverPaths(`/${verb}`), `/guest/${verb}`], async (c) => {
      const ids = Object.entries(c.record())
        .filter(([k]) => /^server:\d+$/.test(k))
        .map(([, v]) => v.trim());
      if (!ids.length) throw invalid('Give the servers as server:0 UUID, server:1 UUID, ...', 'server:0');
      for (const id of ids) await c.core.vms.get(c.ctx, id);
      for (const id of ids) await fn(c, id);
      return { text: encodeList(ids) };
    });
  }
}

/** Waits for a task; 504 when it outlives the configured wait (NUBE_CLOUDSIGMA_WAIT_MS), the task's own error when it failed. */
export async function settle(c: SigmaCall, taskId: string): Promise<void> {
  const ms = c.core.deps.config.cloudsigmaWaitMs;
  const r = await awaitTask(c.core, c.ctx, taskId, ms);
  if (r.outcome === 'failed') throw r.error;
  if (r.outcome === 'timeout')
    throw timedOut(`The operation did not finish within ${ms / 1000} seconds; it goes on in the background`);
}

/** Starts a server unless it is already active, waiting for the task. */
export async function start(c: SigmaCall, id: string): Promise<void> {
  const vm = await c.core.vms.get(c.ctx, id);
  if (vm.state === 'running') return;
  await settle(c, (await c.core.vms.start(c.ctx, id)).taskId);
}

/** Stops (force) or shuts down a server unless it is already stopped, waiting for the task. */
export async function stop(c: SigmaCall, id: string, force: boolean): Promise<void> {
  const vm = await c.core.vms.get(c.ctx, id);
  if (vm.state === 'stopped' || vm.state === 'defined') return;
  await settle(c, (await c.core.vms.stop(c.ctx, id, force)).taskId);
}

async function destroy(c: SigmaCall, id: string): Promise<void> {
  await settle(c, (await c.core.vms.destroy(c.ctx, id, true)).taskId);
}

/** Decodes a create or set body: size keys, drive slots, NIC 0's MAC and the settings kept with the server. */
function serverInput(rec: SigmaRecord, creating: boolean): VmReshape {
  const out: VmReshape = {};
  const size: NonNullable<VmReshape['size']> = {};
  if (creating) out.name = required(rec, 'name');
  else if (rec.name !== undefined) out.name = rec.name;
  const int = (k: string) => {
    const v = rec[k]!;
    if (!/^[0-9]{1,9}$/.test(v.trim()))
      throw invalid(`Expected a whole number, got ${JSON.stringify(v.slice(0, 40))}`, k);
    return Number(v);
  };
  if (rec.cpu !== undefined) {
    const n = int('cpu');
    size.cpuMhz = n <= 64 ? n * 2000 : n;
  }
  if (rec.mem !== undefined) size.memoryMb = int('mem');
  if (rec.smp !== undefined) size.cpuCount = rec.smp.trim() === 'auto' ? 'auto' : int('smp');
  if (Object.keys(size).length) out.size = size;
  const drives: NonNullable<VmReshape['drives']> = [];
  const attrs: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(rec)) {
    if (['name', 'cpu', 'mem', 'smp'].includes(k)) continue;
    const dev = deviceIdOf(k);
    if (dev !== undefined) {
      if (v.trim()) drives.push({ deviceId: dev, volumeId: v.trim() });
      continue;
    }
    if (k === VNC_PASSWORD) {
      out.consolePassword = v === '' ? null : v;
      continue;
    }
    if (SETTING.test(k)) {
      attrs[k] = v === '' ? null : v;
      continue;
    }
    throw invalid('Unknown key', k);
  }
  if (drives.length || creating || Object.keys(rec).some((k) => deviceIdOf(k) !== undefined)) out.drives = drives;
  if (!creating && !Object.keys(rec).some((k) => deviceIdOf(k) !== undefined)) delete out.drives;
  out.extras = attrs;
  if (attrs['nic:0:mac']) out.macAddress = attrs['nic:0:mac'];
  return out;
}

async function recordText(c: SigmaCall, id: string): Promise<string> {
  return encodeRecord((await records(c, [await c.core.vms.get(c.ctx, id)]))[0]!);
}

/** Server records for VMs: size, drives by slot, NIC 0's address and the kept settings. */
async function records(c: SigmaCall, vms: VmView[]): Promise<Array<Record<string, string | number | undefined>>> {
  const extras = await c.core.vms.extras(
    c.ctx,
    vms.map((v) => v.id),
  );
  const drives = (await c.core.volumes.listDetailed(c.ctx)).filter((d) => d.volume.vm_id !== null);
  const traffic = await c.core.traffic.meter(vms.map((v) => ({ id: v.id, state: v.state, hostId: v.hostId })));
  return vms.map((vm) => {
    const x = extras.get(vm.id) ?? { cpuCountAuto: false, attrs: {} };
    const ip = vm.nics[0]?.ipAddress ?? undefined;
    const rec: Record<string, string | number | undefined> = {
      server: vm.id,
      name: vm.displayName || vm.name,
      status: statusOf(vm.state),
      user: vm.accountId,
      cpu: vm.cpuCount * vm.cpuMhz,
      smp: vm.cpuCount,
      mem: vm.memoryMb,
      persistent: 'true',
      tx: traffic.get(vm.id)?.outUsed ?? 0,
      rx: traffic.get(vm.id)?.inUsed ?? 0,
      'nic:0:model': 'e1000',
    };
    for (const [k, v] of Object.entries(x.attrs)) rec[k] = v;
    rec['nic:0:dhcp'] = ip;
    if (vm.nics[0]) rec['nic:0:mac'] = vm.nics[0].macAddress;
    if (x.attrs['vnc:ip'] !== undefined) rec['vnc:ip'] = ip ?? x.attrs['vnc:ip'];
    if (x.consolePassword !== undefined) rec[VNC_PASSWORD] = x.consolePassword;
    for (const d of drives.filter((d) => d.volume.vm_id === vm.id)) {
      const key = deviceKey(Number(d.volume.device_id ?? 0));
      rec[key] = d.volume.id;
      rec[`${key}:media`] = x.attrs[`${key}:media`] ?? d.media;
    }
    return rec;
  });
}

function statusOf(state: string): string {
  if (state === 'running' || state === 'rebooting' || state === 'stopping') return 'active';
  if (state === 'error') return 'dead';
  return 'stopped';
}
