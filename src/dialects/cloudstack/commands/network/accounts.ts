/** listAccounts, listResourceLimits: the caller's account with its usage, and its (unlimited) limits. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, list } from '../../command.js';
import { paginate } from '../../../../core/catalog/service.js';
import { RESOURCE_TYPES } from '../../../../core/accounts/usage.js';
import { invalid } from '../../../../core/errors.js';
import { csAccount, csResourceLimit } from '../../views/account.js';

/** listAccounts. */
export const listAccounts: CsCommand = {
  name: 'listAccounts', description: 'Lists accounts and provides detailed account information for listed accounts', isAsync: false,
  responseName: 'account',
  params: [
    ...LIST_PARAMS,
    { name: 'accounttype', type: 'integer', description: 'list accounts by account type: 1 (admin) or 0 (user)' },
    { name: 'id', type: 'uuid', description: 'list account by account ID' },
    { name: 'name', type: 'string', description: 'list account by account name', max: 255 },
    { name: 'state', type: 'string', description: 'list accounts by state: enabled, disabled or locked', max: 32 },
    { name: 'listall', type: 'boolean', description: 'ignored' },
    { name: 'domainid', type: 'uuid', description: 'ignored' },
    { name: 'isrecursive', type: 'boolean', description: 'ignored' },
  ],
  async handle(core, ctx, p) {
    if (p.accounttype !== undefined && p.accounttype !== 0 && p.accounttype !== 1) throw invalid('accounttype must be 0 (user) or 1 (admin)', 'accounttype');
    if (p.state !== undefined && !['enabled', 'disabled', 'locked'].includes(String(p.state).toLowerCase())) {
      throw invalid('state must be enabled, disabled or locked', 'state');
    }
    const page = await core.usage.list(ctx, {
      id: p.id, name: p.name, keyword: p.keyword, state: p.state, admin: p.accounttype === undefined ? undefined : p.accounttype === 1,
      page: p.page, pageSize: p.pagesize,
    });
    return list('account', page.count, page.items.map(csAccount));
  },
};

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
    let type: number | undefined = p.resourcetype;
    if (p.resourcetypename !== undefined) {
      const byName = (RESOURCE_TYPES as readonly string[]).indexOf(String(p.resourcetypename).toLowerCase());
      if (byName < 0) throw invalid(`resourcetypename must be one of ${RESOURCE_TYPES.join(', ')}`, 'resourcetypename');
      if (type !== undefined && type !== byName) throw invalid('resourcetype and resourcetypename name different types', 'resourcetypename');
      type = byName;
    }
    const page = paginate(core.usage.limits(ctx, type), { page: p.page, pageSize: p.pagesize });
    return list('resourcelimit', page.count, page.items.map((l) => csResourceLimit(l, ctx.accountName, ctx.accountId)));
  },
};
