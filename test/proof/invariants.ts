/** Database-level invariants of the resource model, checked by the crash and concurrency proofs after the dust settles. */
import type { Kysely } from 'kysely';
import type { DB } from '../../src/store/schema.js';
import { ipv4ToInt } from '../../src/core/net/ip.js';

const MIB = 1024 * 1024;
const OPEN = ['PENDING', 'STARTED'];
const TERMINAL = ['SUCCESS', 'FAILURE', 'REVOKED'];

/** Counts tasks that are still PENDING or STARTED. */
export async function openTaskCount(db: Kysely<DB>): Promise<number> {
  const r = await db
    .selectFrom('tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', 'in', OPEN)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Objects that hold more than one open exclusive task right now (must always be empty). */
export async function doubleWriters(db: Kysely<DB>): Promise<Array<{ object_id: string; n: number }>> {
  const rows = await db
    .selectFrom('tasks')
    .select(['object_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', 'in', OPEN)
    .where('exclusive', '=', 1)
    .groupBy('object_id')
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  return rows.map((r) => ({ object_id: r.object_id, n: Number(r.n) }));
}

/** Polls until no task is open; returns false if timeoutMs passed first. */
export async function waitAllTerminal(db: Kysely<DB>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await openTaskCount(db)) === 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return (await openTaskCount(db)) === 0;
}

/** Every violated invariant as one readable line; an empty list means the model is consistent. */
export async function checkInvariants(db: Kysely<DB>, opts: { simDriver?: boolean } = {}): Promise<string[]> {
  const bad: string[] = [];
  const [tasks, logs, vms, volumes, nics, leases, hosts, domains] = await Promise.all([
    db.selectFrom('tasks').select(['id', 'kind', 'status', 'exclusive', 'object_id']).execute(),
    db.selectFrom('task_log').select(['task_id', 'status']).where('task_id', 'is not', null).execute(),
    db.selectFrom('vms').selectAll().execute(),
    db.selectFrom('volumes').select(['id', 'vm_id', 'type', 'removed_at']).execute(),
    db.selectFrom('nics').select(['id', 'vm_id', 'network_id', 'ip_address']).execute(),
    db.selectFrom('ip_leases').selectAll().execute(),
    db.selectFrom('hosts').selectAll().execute(),
    opts.simDriver === false ? Promise.resolve([]) : db.selectFrom('sim_domains').selectAll().execute(),
  ]);

  for (const t of tasks) if (OPEN.includes(t.status)) bad.push(`task ${t.id} (${t.kind}) is still ${t.status}`);
  const logBy = new Map<string, string[]>();
  for (const l of logs) {
    const a = logBy.get(l.task_id!) ?? [];
    a.push(l.status);
    logBy.set(l.task_id!, a);
  }
  for (const t of tasks) {
    const entries = (logBy.get(t.id) ?? []).sort();
    const want = [t.status, 'PENDING'].sort();
    if (!TERMINAL.includes(t.status) || entries.join() !== want.join()) {
      bad.push(
        `task ${t.id} (${t.kind}, ${t.status}) has log entries [${entries.join(', ')}], want PENDING + ${t.status}`,
      );
    }
  }

  const liveRoots = new Map<string, number>();
  const liveVolumes = new Map<string, number>();
  for (const v of volumes) {
    if (v.removed_at || !v.vm_id) continue;
    liveVolumes.set(v.vm_id, (liveVolumes.get(v.vm_id) ?? 0) + 1);
    if (v.type === 'ROOT') liveRoots.set(v.vm_id, (liveRoots.get(v.vm_id) ?? 0) + 1);
  }
  const domainBy = new Map(domains.map((d) => [d.vm_id, d]));
  const nicsBy = new Map<string, typeof nics>();
  for (const n of nics) {
    const a = nicsBy.get(n.vm_id) ?? [];
    a.push(n);
    nicsBy.set(n.vm_id, a);
  }
  const leaseByOwner = new Map<string, typeof leases>();
  for (const l of leases) {
    const a = leaseByOwner.get(l.owner_id) ?? [];
    a.push(l);
    leaseByOwner.set(l.owner_id, a);
  }

  for (const vm of vms) {
    const dom = domainBy.get(vm.id);
    if (!vm.removed_at) {
      if (vm.state !== 'running' && vm.state !== 'stopped') bad.push(`vm ${vm.id} rests in state ${vm.state}`);
      if ((liveRoots.get(vm.id) ?? 0) !== 1) bad.push(`vm ${vm.id} has ${liveRoots.get(vm.id) ?? 0} live ROOT volumes`);
      if (vm.state === 'running' && !vm.host_id) bad.push(`running vm ${vm.id} holds no host`);
      if (vm.state === 'stopped' && vm.host_id) bad.push(`stopped vm ${vm.id} still holds host ${vm.host_id}`);
      if (opts.simDriver !== false) {
        if (vm.state === 'running' && (dom?.power !== 'running' || dom.host_id !== vm.host_id)) {
          bad.push(`running vm ${vm.id} is ${dom ? `${dom.power} on ${dom.host_id}` : 'absent'} in the hypervisor`);
        }
        if (vm.state === 'stopped' && dom?.power === 'running')
          bad.push(`stopped vm ${vm.id} still runs in the hypervisor`);
      }
    } else {
      if (vm.host_id) bad.push(`removed vm ${vm.id} still holds host ${vm.host_id}`);
      if (liveVolumes.get(vm.id)) bad.push(`removed vm ${vm.id} still has ${liveVolumes.get(vm.id)} live volumes`);
      for (const n of nicsBy.get(vm.id) ?? []) {
        if (leaseByOwner.get(n.id)?.length)
          bad.push(`removed vm ${vm.id} still leases ${leaseByOwner.get(n.id)!.length} addresses (nic ${n.id})`);
      }
      if (opts.simDriver !== false && dom?.power === 'running')
        bad.push(`removed vm ${vm.id} still runs in the hypervisor`);
    }
  }

  for (const h of hosts) {
    const on = vms.filter((v) => v.host_id === h.id);
    const mem = on.reduce((s, v) => s + Number(v.memory) * MIB, 0);
    const mhz = on.reduce((s, v) => s + Number(v.cpu_number) * Number(v.cpu_speed), 0);
    if (Number(h.mem_used) !== mem) bad.push(`host ${h.name}: mem_used ${h.mem_used} but its VMs use ${mem}`);
    if (Number(h.cpu_used_mhz) !== mhz)
      bad.push(`host ${h.name}: cpu_used_mhz ${h.cpu_used_mhz} but its VMs use ${mhz}`);
    if (Number(h.vm_count) !== on.length)
      bad.push(`host ${h.name}: vm_count ${h.vm_count} but ${on.length} VMs are on it`);
  }

  const liveIds = new Set(vms.filter((v) => !v.removed_at).map((v) => v.id));
  const addressed = nics.filter((n) => liveIds.has(n.vm_id) && n.ip_address);
  if (leases.length !== addressed.length)
    bad.push(`${leases.length} IP leases but ${addressed.length} addressed NICs of live VMs`);
  const seen = new Map<string, string>();
  for (const n of addressed) {
    const k = `${n.network_id}/${n.ip_address}`;
    if (seen.has(k)) bad.push(`address ${n.ip_address} is on nic ${seen.get(k)} and nic ${n.id}`);
    seen.set(k, n.id);
    const own = (leaseByOwner.get(n.id) ?? []).filter(
      (l) => l.network_id === n.network_id && Number(l.address) === ipv4ToInt(n.ip_address!),
    );
    if (own.length !== 1) bad.push(`nic ${n.id} shows ${n.ip_address} but holds ${own.length} matching leases`);
  }
  bad.push(...(await liveCounterDrift(db)));
  return bad;
}

/** Accounts whose live-VM counter disagrees with their live VM rows (must always be empty). */
export async function liveCounterDrift(db: Kysely<DB>): Promise<string[]> {
  const rows = await db
    .selectFrom('vms')
    .select(['account_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('removed_at', 'is', null)
    .groupBy('account_id')
    .execute();
  const counters = await db.selectFrom('counters').selectAll().where('name', 'like', 'live_vms:%').execute();
  const want = new Map(rows.map((r) => [r.account_id, Number(r.n)]));
  const bad: string[] = [];
  // PostgreSQL spreads one account's count over rows named live_vms:<account>#<shard>: the count is their sum.
  const counted = new Map<string, number>();
  for (const c of counters) {
    const acct = c.name.slice('live_vms:'.length).split('#')[0]!;
    counted.set(acct, (counted.get(acct) ?? 0) + Number(c.value));
  }
  for (const [acct, value] of counted) {
    if (value !== (want.get(acct) ?? 0)) bad.push(`account ${acct}: counter ${value}, live VMs ${want.get(acct) ?? 0}`);
    want.delete(acct);
  }
  for (const [acct, n] of want) bad.push(`account ${acct}: no counter, live VMs ${n}`);
  return bad;
}
