/**
 * Offering creates written together: the creates prepared during one event-loop turn join one transaction that writes
 * each table once for all of them (VMs, root volumes, leases, NICs, group links, tasks and their log), so a burst of
 * deploys costs a few statements per batch instead of ~15 per VM. When anything in a batch is refused (a quota, a
 * name taken, a missing key pair) the batch is rolled back and each create runs alone through insertOfferingVm, so
 * every caller gets the answer it would have had alone.
 */
import type { Transaction } from 'kysely';
import type { DB } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid } from '../../lib/errors.js';
import { nowIso } from '../../lib/util.js';
import { enqueueFreshTasks } from '../../tasks/queue.js';
import { bumpLiveVms } from './counts.js';
import { reserveQuota, type QuotaDemand } from '../quotas/service.js';
import { nextSerials } from '../../store/vm-serials.js';
import {
  insertOfferingVm,
  prepareOfferingVm,
  rootVolumeValues,
  vmDemand,
  vmNameLock,
  vmValues,
} from './create-offering.js';
import type { VmCreateInput, VmCreated } from './create-input.js';
import { batchWritable, insertBatchGroups, type BatchedCreate } from './create-many-links.js';
import { insertNewNics } from './new-nics.js';

interface Waiting extends BatchedCreate {
  resolve(taskId: string): void;
  reject(err: unknown): void;
}

/**
 * Most creates in one transaction, well under either database's bound-value limit. On SQLite a batch and the answers
 * of its creates run in one event-loop turn: 24 keeps that turn near 30 ms under a 64-connection burst (64 made the
 * longest turns 40-60 ms, at the same rate within the noise; BENCHMARKS.md); PostgreSQL writes on other connections.
 */
const MAX_BATCH = { sqlite: 24, postgres: 64 } as const;

/**
 * Batch transactions of one store in flight at once, on either database. SQLite has one writer; on PostgreSQL
 * every create transaction bumps the account's VM counter and the data version, rows each holds until its commit, so
 * concurrent batches only waited for each other while splitting the burst into small ones (with four: 21,600-26,000
 * statements per 6,000 deploys, 360-410 of them written alone; with one: 11,200-11,900 and ~60, at 807-1,018 deploys/s
 * against 648-680/s in the same minutes).
 */
const IN_FLIGHT = 1;

/** A store's creates waiting for a batch, and its batches in flight. */
interface Lane {
  queue: Waiting[];
  running: number;
  scheduled: boolean;
}

/** The lane of each store. */
const lanes = new WeakMap<object, Lane>();

/** Creates a VM from an offering and a template; answered once its vm.create task is queued (batchable ones with their turn's batch). */
export async function fromOffering(deps: CoreDeps, ctx: CallContext, input: VmCreateInput): Promise<VmCreated> {
  const vm = await prepareOfferingVm(deps, ctx, input);
  const taskId = batchWritable(input)
    ? await insertInBatch(deps, { ctx, input, vm })
    : await deps.store.tx((trx) => insertOfferingVm(deps, trx, ctx, input, vm));
  return { receipt: { taskId, objectId: vm.id }, password: vm.password };
}

/**
 * Writes a prepared VM together with the other creates waiting: a batch starts on the next turn when a place is free,
 * and creates arriving while every place is taken wait for the next one, so batches grow with the load.
 */
function insertInBatch(deps: CoreDeps, create: BatchedCreate): Promise<string> {
  return new Promise((resolve, reject) => {
    let lane = lanes.get(deps.store);
    if (!lane) {
      lane = { queue: [], running: 0, scheduled: false };
      lanes.set(deps.store, lane);
    }
    lane.queue.push({ ...create, resolve, reject });
    schedule(deps, lane);
  });
}

/** Starts batches on the next turn (so this turn's creates join) while places are free. */
function schedule(deps: CoreDeps, lane: Lane): void {
  if (lane.scheduled || lane.queue.length === 0 || lane.running >= IN_FLIGHT) return;
  lane.scheduled = true;
  setImmediate(() => {
    lane.scheduled = false;
    while (lane.queue.length > 0 && lane.running < IN_FLIGHT) {
      lane.running++;
      void write(deps, lane.queue.splice(0, MAX_BATCH[deps.store.kind])).finally(() => {
        lane.running--;
        schedule(deps, lane);
      });
    }
  });
}

async function write(deps: CoreDeps, batch: Waiting[]): Promise<void> {
  if (batch.length > 1) {
    try {
      const ids = await deps.store.tx((trx) => insertOfferingVms(deps, trx, batch));
      batch.forEach((w, i) => w.resolve(ids[i]!));
      return;
    } catch {
      // Refused as a whole: each create alone below meets its own refusal, if any, and the others go through.
    }
  }
  // One account's creates in their order (names and quotas are the account's), the accounts side by side.
  const accounts = new Map<string, Waiting[]>();
  for (const w of batch) accounts.set(w.ctx.accountId, [...(accounts.get(w.ctx.accountId) ?? []), w]);
  await Promise.all(
    [...accounts.values()].map(async (creates) => {
      for (const w of creates)
        await deps.store.tx((trx) => insertOfferingVm(deps, trx, w.ctx, w.input, w.vm)).then(w.resolve, w.reject);
    }),
  );
}

/** Sums the quota demand of an account's creates in the batch. */
function demandOf(creates: readonly BatchedCreate[]): QuotaDemand {
  const sum = { vms: 0, cpus: 0, memoryMb: 0, volumes: 0, storageBytes: 0 };
  for (const c of creates) {
    const d = vmDemand(c.vm);
    for (const k of Object.keys(sum) as Array<keyof typeof sum>) sum[k] += d[k];
  }
  return sum;
}

/** Throws when a named key pair is missing or a name is taken (in the account or twice in the batch). */
async function checkNamesAndKeys(
  store: CoreDeps['store'],
  trx: Transaction<DB>,
  batch: readonly BatchedCreate[],
  accounts: string[],
): Promise<void> {
  const keyed = batch.filter((b) => b.input.sshKeyName);
  if (keyed.length) {
    const keys = await trx
      .selectFrom('ssh_keys')
      .select(['account_id', 'name'])
      .where('account_id', 'in', accounts)
      .where('name', 'in', [...new Set(keyed.map((b) => b.input.sshKeyName!))])
      .execute();
    const have = new Set(keys.map((k) => `${k.account_id}/${k.name}`));
    for (const b of keyed)
      if (!have.has(`${b.ctx.accountId}/${b.input.sshKeyName}`))
        throw invalid(`A key pair named ${b.input.sshKeyName} does not exist`, 'sshKeyName');
  }
  // Held to the commit: a create of the same name in another transaction waits, then sees this one's VM.
  await store.lock(
    trx,
    batch.map((b) => vmNameLock(b.ctx.accountId, b.vm.name)),
  );
  const names = new Set<string>();
  for (const b of batch) {
    const key = `${b.ctx.accountId}/${b.vm.name}`;
    if (names.has(key)) throw conflict(`A virtual machine named ${b.vm.name} already exists in this account`, 'exists');
    names.add(key);
  }
  const taken = await trx
    .selectFrom('vms')
    .select(['account_id', 'name'])
    .where('account_id', 'in', accounts)
    .where('name', 'in', [...new Set(batch.map((b) => b.vm.name))])
    .where('removed_at', 'is', null)
    .execute();
  for (const t of taken)
    if (names.has(`${t.account_id}/${t.name}`))
      throw conflict(`A virtual machine named ${t.name} already exists in this account`, 'exists');
}

/**
 * Writes prepared VMs with their vm.create tasks in the caller's transaction, a few statements for the whole batch;
 * returns the task ids in order. The turn's batches use it, and so do callers with creates of their own to write
 * together (an instance pool's new members). A refusal is the batch's: its caller runs each create alone to answer it.
 */
export async function insertOfferingVms(
  deps: CoreDeps,
  trx: Transaction<DB>,
  batch: readonly BatchedCreate[],
): Promise<string[]> {
  if (!batch.every((b) => batchWritable(b.input)))
    throw new Error('Creates naming groups or choosing an address are written one by one (insertOfferingVm)');
  const { store } = deps;
  const now = nowIso();
  const accounts = [...new Set(batch.map((b) => b.ctx.accountId))].sort();
  for (const a of accounts) await reserveQuota(deps, trx, a, demandOf(batch.filter((b) => b.ctx.accountId === a)));
  await checkNamesAndKeys(store, trx, batch, accounts);
  const serials = await nextSerials(trx, store.kind, batch.length);
  await trx
    .insertInto('vms')
    .values(batch.map((b, i) => vmValues(deps, b.ctx, b.input, b.vm, serials[i]!, now)))
    .execute();
  await trx
    .insertInto('volumes')
    .values(batch.map((b, i) => rootVolumeValues(b.ctx, b.vm, serials[i]!, now)))
    .execute();
  await insertNewNics(
    trx,
    batch.map((b, i) => ({
      vmId: b.vm.id,
      accountId: b.ctx.accountId,
      zoneId: b.vm.zoneId,
      serial: serials[i]!,
      networkIds: b.input.networkIds,
    })),
    now,
  );
  await insertBatchGroups(trx, batch);
  for (const a of accounts) await bumpLiveVms(trx, store.kind, a, batch.filter((b) => b.ctx.accountId === a).length);
  return enqueueFreshTasks(
    store,
    trx,
    batch.map((b) => ({
      kind: 'vm.create',
      objectType: 'virtual machine',
      objectId: b.vm.id,
      payload: { start: b.input.start ?? true },
      ctx: b.ctx,
      fresh: true,
    })),
  );
}
