/** CloudStack's rule calls: authorize one rule (a row per CIDR or account/group source, duplicates refused) and revoke one row. */
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { normalizeRule, type RuleInput } from './rules.js';
import { GROUP_OBJECT, groupByRef } from './group-rows.js';
import { sameRule } from './group-view.js';
import type { AuthorizeResult, GroupRef, RuleDirection } from './model.js';

/** Validates a rule and adds one row per CIDR and per account/group source; answered as a finished job. */
export async function authorizeRule(
  deps: CoreDeps,
  ctx: CallContext,
  direction: RuleDirection,
  ref: GroupRef,
  input: RuleInput,
): Promise<AuthorizeResult> {
  const rule = normalizeRule(input);
  return deps.store.tx(async (trx) => {
    const g = await groupByRef(trx, ctx, ref, 'securitygroup');
    for (const u of rule.userGroups) {
      const known =
        u.account === ctx.accountName &&
        (await trx
          .selectFrom('security_groups')
          .select('id')
          .where('account_id', '=', ctx.accountId)
          .where('name', '=', u.group)
          .executeTakeFirst());
      if (!known) throw invalid(`Unable to find security group ${u.group} in account ${u.account}`, 'userGroups');
    }
    const existing = await trx
      .selectFrom('security_rules')
      .selectAll()
      .where('group_id', '=', g.id)
      .where('direction', '=', direction)
      .where('action', '!=', 'deny')
      .execute();
    const base = {
      group_id: g.id,
      account_id: ctx.accountId,
      direction,
      protocol: rule.protocol,
      start_port: rule.startPort,
      end_port: rule.endPort,
      icmp_type: rule.icmpType,
      icmp_code: rule.icmpCode,
      description: rule.description,
    };
    const candidates = [
      ...rule.cidrs.map((cidr) => ({ ...base, cidr, user_account: null, user_group: null })),
      ...rule.userGroups.map((u) => ({ ...base, cidr: null, user_account: u.account, user_group: u.group })),
    ];
    const fresh = candidates.filter((c) => !existing.some((e) => sameRule(e, c)));
    if (fresh.length === 0)
      throw conflict(`The ${direction} rule already exists in security group ${g.name}`, 'exists');
    const now = nowIso();
    const ruleIds: string[] = [];
    for (const c of fresh) {
      const id = newId();
      ruleIds.push(id);
      await trx
        .insertInto('security_rules')
        .values({ ...c, id, created_at: now })
        .execute();
    }
    const receipt = await recordSyncChange(trx, {
      objectType: GROUP_OBJECT,
      objectId: g.id,
      ctx,
      payload: { action: `authorize_${direction}` },
      result: { type: 'securityGroup', id: g.id, ruleIds },
    });
    return { receipt, ruleIds };
  });
}

/** Removes one rule of the given direction; answered as a finished job. */
export async function revokeRule(
  deps: CoreDeps,
  ctx: CallContext,
  direction: RuleDirection,
  ruleId: string,
): Promise<TaskReceipt> {
  return deps.store.tx(async (trx) => {
    const r = await trx
      .selectFrom('security_rules')
      .selectAll()
      .where('id', '=', ruleId)
      .where('account_id', '=', ctx.accountId)
      .executeTakeFirst();
    if (!r) throw notFound('security group rule', ruleId, 'object');
    if (r.direction !== direction)
      throw invalid(`Security group rule ${ruleId} is an ${r.direction} rule, not an ${direction} rule`, 'id');
    await trx.deleteFrom('tags').where('account_id', '=', ctx.accountId).where('resource_id', '=', r.id).execute();
    await trx.deleteFrom('security_rules').where('id', '=', r.id).execute();
    return recordSyncChange(trx, {
      objectType: GROUP_OBJECT,
      objectId: r.group_id,
      ctx,
      payload: { action: `revoke_${direction}`, ruleId },
    });
  });
}
