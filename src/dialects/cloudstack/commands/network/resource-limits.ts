/** listResourceLimits and updateResourceLimit: the caller's limits per CloudStack resource type; only an admin changes them. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, list, sync } from '../../command.js';
import { paginate } from '../../../../core/catalog/service.js';
import { RESOURCE_TYPES, RESOURCE_TYPE_LIMITS } from '../../../../core/accounts/usage.js';
import { invalid } from '../../../../lib/errors.js';
import { csResourceLimit } from '../../views/account.js';

/** The resource type number from resourcetype and/or resourcetypename, checked against each other. */
function resourceType(p: Record<string, any>): number | undefined {
  let type: number | undefined = p.resourcetype;
  if (p.resourcetypename !== undefined) {
    const byName = (RESOURCE_TYPES as readonly string[]).indexOf(String(p.resourcetypename).toLowerCase());
    if (byName < 0) throw invalid(`resourcetypename must be one of ${RESOURCE_TYPES.join(', ')}`, 'resourcetypename');
    if (type !== undefined && type !== byName) throw invalid('resourcetype and resourcetypename name different types', 'resourcetypename');
    type = byName;
  }
  if (type !== undefined && (!Number.isInteger(type) || type < 0 || type >= RESOURCE_TYPES.length)) {
    throw invalid(`resourcetype must be between 0 and ${RESOURCE_TYPES.length - 1}`, 'resourcetype');
  }
  return type;
}

/** listResourceLimits. */
export const listResourceLimits: CsCommand = {
  name: 'listResourceLimits', description: 'Lists resource limits.', isAsync: false, responseName: 'resourcelimit',
  params: [
    ...LIST_PARAMS,
    { name: 'resourcetype', type: 'integer', description: 'type of resource: 0 (VMs) to 11 (secondary storage)' },
    { name: 'resourcetypename', type: 'string', description: 'type of resource by name, e.g. user_vm or public_ip', max: 64 },
    { name: 'id', type: 'long', description: 'ignored: limits have no ids' },
    { name: 'account', type: 'string', description: 'ignored: always the caller\'s account' },
    { name: 'domainid', type: 'uuid', description: 'ignored' },
    { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
  ],
  async handle(core, ctx, p) {
    const page = paginate(await core.usage.limits(ctx, resourceType(p)), { page: p.page, pageSize: p.pagesize });
    return list('resourcelimit', page.count, page.items.map((l) => csResourceLimit(l, ctx.accountName, ctx.accountId)));
  },
};

/** updateResourceLimit: admins only (the core refuses anyone else too); without max the account returns to the operator's default. */
export const updateResourceLimit: CsCommand = {
  name: 'updateResourceLimit', description: 'Updates resource limits for an account (administrators only).', isAsync: false,
  responseName: 'resourcelimit', adminOnly: true,
  params: [
    { name: 'resourcetype', type: 'integer', required: true, description: 'type of resource: 0 (VMs), 1 (IPs), 2 (volumes), 3 (snapshots), 6 (networks), 8 (CPUs), 9 (memory), 10 (primary storage)' },
    { name: 'max', type: 'long', description: 'the new limit, -1 for unlimited; without it the account gets the default again' },
    { name: 'account', type: 'string', description: 'the account to change (the caller\'s own by default)', max: 255 },
    { name: 'domainid', type: 'uuid', description: 'ignored' },
    { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
  ],
  async handle(core, ctx, p) {
    const type = resourceType(p)!;
    const typeName = RESOURCE_TYPES[type]!;
    const limit = RESOURCE_TYPE_LIMITS[typeName];
    if (!limit) throw invalid(`Nube does not limit resource type ${type} (${typeName})`, 'resourcetype');
    if (p.max !== undefined && (!Number.isSafeInteger(p.max) || p.max < -1)) throw invalid('max must be -1 (unlimited) or a whole number', 'max');
    const r = await core.quotas.setByAdmin(ctx, p.account, limit, p.max ?? null);
    return sync({ resourcelimit: csResourceLimit({ type, name: typeName, max: r.max }, r.accountName, r.accountId) });
  },
};
