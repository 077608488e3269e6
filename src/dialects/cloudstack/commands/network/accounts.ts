/** listAccounts: the caller's account (every account for an admin) with its usage and limits. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, list } from '../../command.js';
import { invalid } from '../../../../lib/errors.js';
import { csAccount } from '../../views/account.js';

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
