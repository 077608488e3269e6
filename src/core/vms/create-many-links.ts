/**
 * The group links of a batch of new VMs (create-many.ts): one lookup and one insert per table for the whole batch
 * whatever its size, with the rows and refusals insertOfferingVm gives one VM (resolveGroups); NICs: new-nics.ts.
 */
import type { Transaction } from 'kysely';
import type { DB } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import { invalid } from '../../lib/errors.js';
import type { PreparedVm } from './create-offering.js';
import type { VmCreateInput } from './create-input.js';

/** One prepared create of a batch: who asks, what was asked and the VM checked against the catalog. */
export interface BatchedCreate {
  ctx: CallContext;
  input: VmCreateInput;
  vm: PreparedVm;
}

/** True for a create that joins its turn's batch: groups and networks by id only, no chosen address (else written alone). */
export function batchWritable(input: VmCreateInput): boolean {
  return !input.ipAddress && !input.securityGroupNames?.length && !input.affinityGroupNames?.length;
}

/** Each create's groups of a table by id with one lookup for the batch; Invalid for one its account lacks, as resolveGroups answers. */
async function groupsById(
  trx: Transaction<DB>,
  table: 'security_groups' | 'affinity_groups',
  batch: readonly BatchedCreate[],
  idsOf: (input: VmCreateInput) => string[] | undefined,
  what: string,
  field: string,
): Promise<string[][]> {
  const wanted = [...new Set(batch.flatMap((b) => idsOf(b.input) ?? []))];
  const rows = wanted.length
    ? await trx
        .selectFrom(table)
        .select(['id', 'account_id'])
        .where('id', 'in', wanted)
        .where('account_id', 'in', [...new Set(batch.map((b) => b.ctx.accountId))])
        .execute()
    : [];
  const owner = new Map(rows.map((r) => [r.id, r.account_id]));
  return batch.map((b) => {
    const ids = idsOf(b.input) ?? [];
    for (const id of ids)
      if (owner.get(id) !== b.ctx.accountId) throw invalid(`Unable to find ${what} ${id}`, `${field}Ids`);
    return [...new Set(ids)];
  });
}

/** Links each new VM to its security groups (its account's `default` when it names none) and its affinity groups. */
export async function insertBatchGroups(trx: Transaction<DB>, batch: readonly BatchedCreate[]): Promise<void> {
  const sgs = await groupsById(
    trx,
    'security_groups',
    batch,
    (i) => i.securityGroupIds,
    'securitygroup',
    'securityGroup',
  );
  const ags = await groupsById(
    trx,
    'affinity_groups',
    batch,
    (i) => i.affinityGroupIds,
    'affinitygroup',
    'affinityGroup',
  );
  const bare = [...new Set(batch.filter((_, i) => sgs[i]!.length === 0).map((b) => b.ctx.accountId))];
  if (bare.length) {
    const defaults = await trx
      .selectFrom('security_groups')
      .select(['account_id', 'id'])
      .where('account_id', 'in', bare)
      .where('name', '=', 'default')
      .execute();
    const defaultOf = new Map<string, string>();
    for (const d of defaults) if (!defaultOf.has(d.account_id)) defaultOf.set(d.account_id, d.id);
    batch.forEach((b, i) => {
      const g = defaultOf.get(b.ctx.accountId);
      if (sgs[i]!.length === 0 && g) sgs[i]!.push(g);
    });
  }
  const sgLinks = batch.flatMap((b, i) => sgs[i]!.map((group_id) => ({ vm_id: b.vm.id, group_id })));
  if (sgLinks.length) await trx.insertInto('vm_security_groups').values(sgLinks).execute();
  const agLinks = batch.flatMap((b, i) => ags[i]!.map((group_id) => ({ vm_id: b.vm.id, group_id })));
  if (agLinks.length) await trx.insertInto('vm_affinity_groups').values(agLinks).execute();
}
