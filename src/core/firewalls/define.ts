/** Firewalls defined whole: create with a description and rules, update name/description/rules, and the default firewall a new VM gets. */
import { isUniqueViolation } from '../../store/db.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { checkGroupDescription, checkGroupName, GROUP_OBJECT, groupById, MAX_NAME, nameTaken } from './group-rows.js';
import { liveVm } from './attach.js';
import { normalizeFirewallRules, writeFirewallRules, type FirewallRuleInput } from './firewall-rules.js';

/** What a new firewall is made of. */
export interface FirewallInput {
  name: string;
  description?: string | null;
  rules?: FirewallRuleInput[] | null;
  /** The caller's VMs to attach it to at once. */
  vmIds?: string[];
}

/** What an update changes (absent fields stay; rules, when given, replace every rule). */
export interface FirewallUpdate {
  name?: string;
  description?: string | null;
  rules?: FirewallRuleInput[] | null;
}

/** The conflict of a name the account already uses. */
function duplicate(name: string) {
  return conflict(`A firewall named ${name} already exists in this account`, 'exists');
}

/** Inserts a group with its rules and records the change; status draft unless `active`, is_default when `isDefault`. */
async function insertFirewall(
  deps: CoreDeps,
  ctx: CallContext,
  input: FirewallInput,
  opts: { isDefault?: boolean; active?: boolean } = {},
): Promise<{ id: string; receipt: TaskReceipt }> {
  const name = checkGroupName(input.name);
  const description = checkGroupDescription(input.description) ?? '';
  const rules = normalizeFirewallRules(input.rules ?? []);
  const id = newId();
  try {
    const receipt = await deps.store.tx(async (trx) => {
      if (await nameTaken(trx, ctx, name)) throw duplicate(name);
      const now = nowIso();
      await trx
        .insertInto('security_groups')
        .values({
          id,
          account_id: ctx.accountId,
          name,
          description,
          created_at: now,
          updated_at: now,
          status: opts.active ? 'active' : 'draft',
          default_action: 'deny',
          is_default: opts.isDefault ? 1 : 0,
        })
        .execute();
      await writeFirewallRules(trx, ctx, id, rules);
      const vmIds: string[] = [];
      for (const vmId of input.vmIds ?? []) {
        const vm = await liveVm(trx, ctx, vmId);
        if (vmIds.includes(vm.id)) continue;
        vmIds.push(vm.id);
        await trx.insertInto('vm_security_groups').values({ vm_id: vm.id, group_id: id }).execute();
      }
      return recordSyncChange(trx, {
        objectType: GROUP_OBJECT,
        objectId: id,
        ctx,
        payload: { action: 'create', vmIds },
        result: { type: 'securityGroup', id },
      });
    });
    return { id, receipt };
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicate(name);
    throw err;
  }
}

/** Creates a firewall (a security group) with its description and rules, in status draft until deployed. */
export function createFirewall(
  deps: CoreDeps,
  ctx: CallContext,
  input: FirewallInput,
): Promise<{ id: string; receipt: TaskReceipt }> {
  return insertFirewall(deps, ctx, input);
}

/** Changes a firewall's name, description and (replacing them all) rules in one change. */
export async function updateFirewall(
  deps: CoreDeps,
  ctx: CallContext,
  id: string,
  u: FirewallUpdate,
): Promise<TaskReceipt> {
  const name = u.name === undefined ? undefined : checkGroupName(u.name);
  const description = checkGroupDescription(u.description);
  const rules = u.rules === undefined || u.rules === null ? undefined : normalizeFirewallRules(u.rules);
  try {
    return await deps.store.tx(async (trx) => {
      const g = await groupById(trx, ctx, id);
      if (name !== undefined && name !== g.name && (await nameTaken(trx, ctx, name, g.id))) throw duplicate(name);
      await trx
        .updateTable('security_groups')
        .set({
          updated_at: nowIso(),
          ...(name !== undefined ? { name } : {}),
          ...(u.description !== undefined ? { description: description ?? '' } : {}),
        })
        .where('id', '=', g.id)
        .execute();
      if (rules) await writeFirewallRules(trx, ctx, g.id, rules);
      return recordSyncChange(trx, {
        objectType: GROUP_OBJECT,
        objectId: g.id,
        ctx,
        payload: { action: 'update', rules: rules !== undefined },
      });
    });
  } catch (err) {
    if (isUniqueViolation(err) && name !== undefined) throw duplicate(name);
    throw err;
  }
}

/** The rules of a VM's default firewall: SSH and ICMP in from anywhere; everything else inbound is denied. */
const DEFAULT_RULES: FirewallRuleInput[] = [
  { name: 'SSH', direction: 'ingress', protocol: 'tcp', port: 22, action: 'allow', order: 1 },
  { name: 'ICMP', direction: 'ingress', protocol: 'icmp', action: 'allow', order: 2 },
];

/** Creates the default firewall of a new VM (`<vm>-default`, or `<vm>-default-<n>` if taken), active at once; returns its id for the VM's securityGroupIds. */
export async function createDefaultFor(deps: CoreDeps, ctx: CallContext, vmName: string): Promise<string> {
  const base = `${vmName.slice(0, MAX_NAME - '-default-50'.length)}-default`;
  for (let n = 1; n <= 50; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (await nameTaken(deps.store.db, ctx, name)) continue;
    try {
      const made = await insertFirewall(
        deps,
        ctx,
        { name, description: `Default firewall of ${vmName}`, rules: DEFAULT_RULES },
        { isDefault: true, active: true },
      );
      return made.id;
    } catch (err) {
      if (!(err instanceof Error && 'reason' in err && err.reason === 'exists')) throw err;
    }
  }
  throw duplicate(base);
}
