/** listResourceLimits and updateResourceLimit: the caller's limits per CloudStack resource type; only an admin changes them. */
import { LIST_PARAMS, command, list, param, sync } from '../../command.js';
import { csPaging } from '../../paging.js';
import { RESOURCE_TYPES, RESOURCE_TYPE_LIMITS } from '../../../../core/accounts/usage.js';
import { invalid } from '../../../../lib/errors.js';
import { csResourceLimit } from '../../views/account.js';

/** The resource type number from resourcetype and/or resourcetypename, checked against each other. */
function resourceType(p: {
  resourcetype: number | undefined;
  resourcetypename?: string | undefined;
}): number | undefined {
  let type = p.resourcetype;
  if (p.resourcetypename !== undefined) {
    const byName = (RESOURCE_TYPES as readonly string[]).indexOf(p.resourcetypename.toLowerCase());
    if (byName < 0) throw invalid(`resourcetypename must be one of ${RESOURCE_TYPES.join(', ')}`, 'resourcetypename');
    if (type !== undefined && type !== byName)
      throw invalid('resourcetype and resourcetypename name different types', 'resourcetypename');
    type = byName;
  }
  if (type !== undefined && (!Number.isInteger(type) || type < 0 || type >= RESOURCE_TYPES.length)) {
    throw invalid(`resourcetype must be between 0 and ${RESOURCE_TYPES.length - 1}`, 'resourcetype');
  }
  return type;
}

/** listResourceLimits. */
export const listResourceLimits = command({
  name: 'listResourceLimits',
  description: 'Lists resource limits.',
  isAsync: false,
  responseName: 'resourcelimit',
  params: {
    ...LIST_PARAMS,
    resourcetype: param.integer('type of resource: 0 (VMs) to 11 (secondary storage)'),
    resourcetypename: param.string('type of resource by name, e.g. user_vm or public_ip').maxLength(64),
    id: param.long('ignored: limits have no ids'),
    account: param.string("ignored: always the caller's account"),
    domainid: param.uuid('ignored'),
    projectid: param.uuid('ignored: Nube has no projects'),
  },
  async handle(core, ctx, p) {
    const page = await core.usage.limits(ctx, resourceType(p), csPaging(p));
    return list(
      'resourcelimit',
      page.count,
      page.items.map((l) => csResourceLimit(l, ctx.accountName, ctx.accountId)),
    );
  },
});

/** updateResourceLimit: admins only (the core refuses anyone else too); without max the account returns to the operator's default. */
export const updateResourceLimit = command({
  name: 'updateResourceLimit',
  description: 'Updates resource limits for an account (administrators only).',
  isAsync: false,
  responseName: 'resourcelimit',
  adminOnly: true,
  params: {
    resourcetype: param
      .integer(
        'type of resource: 0 (VMs), 1 (IPs), 2 (volumes), 3 (snapshots), 6 (networks), 8 (CPUs), 9 (memory), 10 (primary storage)',
      )
      .required(),
    max: param.long('the new limit, -1 for unlimited; without it the account gets the default again'),
    account: param.string("the account to change (the caller's own by default)").maxLength(255),
    domainid: param.uuid('ignored'),
    projectid: param.uuid('ignored: Nube has no projects'),
  },
  async handle(core, ctx, p) {
    const type = resourceType(p)!;
    const typeName = RESOURCE_TYPES[type]!;
    const limit = RESOURCE_TYPE_LIMITS[typeName];
    if (!limit) throw invalid(`Nube does not limit resource type ${type} (${typeName})`, 'resourcetype');
    if (p.max !== undefined && (!Number.isSafeInteger(p.max) || p.max < -1))
      throw invalid('max must be -1 (unlimited) or a whole number', 'max');
    const r = await core.quotas.setByAdmin(ctx, p.account, limit, p.max ?? null);
    return sync({ resourcelimit: csResourceLimit({ type, name: typeName, max: r.max }, r.accountName, r.accountId) });
  },
});
