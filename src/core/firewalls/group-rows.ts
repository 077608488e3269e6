/** Shared checks of the firewall (security group) files: the group-name rule and the caller's group by id. */
import type { Q } from '../../store/db.js';
import type { SecurityGroupRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import { invalid, notFound } from '../../lib/errors.js';
import { DEFAULT_GROUP } from './defaults.js';
import type { GroupRef } from './model.js';

/** Longest group name and description. */
export const MAX_NAME = 255;

/** How tasks, logs and errors name a security group. */
export const GROUP_OBJECT = 'security group';

/** Checks a group name: non-empty, printable, at most 255 characters, and not the reserved "default". */
export function checkGroupName(name: string): string {
  const n = typeof name === 'string' ? name : '';
  if (n.trim() === '') throw invalid('The security group name must not be empty', 'name');
  if (n.length > MAX_NAME) throw invalid(`The security group name must be at most ${MAX_NAME} characters`, 'name');
  if (/[\x00-\x1f\x7f]/.test(n)) throw invalid('The security group name must not contain control characters', 'name');
  if (n.toLowerCase() === DEFAULT_GROUP) throw invalid(`The security group name ${DEFAULT_GROUP} is reserved`, 'name');
  return n;
}

/** Checks an optional description (at most 255 characters); absent stays absent. */
export function checkGroupDescription(description: string | null | undefined): string | undefined {
  if (description === undefined || description === null) return undefined;
  if (typeof description !== 'string' || description.length > MAX_NAME)
    throw invalid(`The description must be at most ${MAX_NAME} characters`, 'description');
  return description;
}

/** The caller's group with this id, or NotFound (also for another account's group). */
export async function groupById(q: Q, ctx: CallContext, id: string): Promise<SecurityGroupRow> {
  const row = await q
    .selectFrom('security_groups')
    .selectAll()
    .where('account_id', '=', ctx.accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound(GROUP_OBJECT, id, 'object');
  return row;
}

/** True when the account already has a group of that name (other than `except`). */
export async function nameTaken(q: Q, ctx: CallContext, name: string, except?: string): Promise<boolean> {
  let sel = q
    .selectFrom('security_groups')
    .select('id')
    .where('account_id', '=', ctx.accountId)
    .where('name', '=', name);
  if (except) sel = sel.where('id', '!=', except);
  return (await sel.executeTakeFirst()) !== undefined;
}

/** The caller's group by id or name (exactly one), or NotFound; `prefix` is how messages name the reference (e.g. "securitygroup"). */
export async function groupByRef(q: Q, ctx: CallContext, ref: GroupRef, prefix = ''): Promise<SecurityGroupRow> {
  const field = prefix ? 'groupId' : 'id';
  if (ref.id && ref.name) throw invalid(`${prefix}id and ${prefix}name are mutually exclusive`, field);
  if (!ref.id && !ref.name) throw invalid(`Either ${prefix}id or ${prefix}name must be specified`, field);
  let sel = q.selectFrom('security_groups').selectAll().where('account_id', '=', ctx.accountId);
  sel = ref.id ? sel.where('id', '=', ref.id) : sel.where('name', '=', ref.name!);
  const row = await sel.executeTakeFirst();
  if (!row) throw notFound(GROUP_OBJECT, ref.id ?? ref.name, 'object');
  return row;
}
