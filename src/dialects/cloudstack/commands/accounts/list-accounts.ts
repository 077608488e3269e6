/** listAccounts: the caller's account (every account for an admin) with its usage and limits. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { invalid } from '../../../../lib/errors.js';
import { csAccount } from '../../views/account.js';

/** The command. */
export const listAccounts = command({
  name: 'listAccounts',
  description: 'Lists accounts and provides detailed account information for listed accounts',
  isAsync: false,
  responseName: 'account',
  params: {
    ...LIST_PARAMS,
    accounttype: param.integer('list accounts by account type: 1 (admin) or 0 (user)'),
    id: param.uuid('list account by account ID'),
    name: param.string('list account by account name').maxLength(255),
    state: param.string('list accounts by state: enabled, disabled or locked').maxLength(32),
    listall: param.boolean('ignored'),
    domainid: param.uuid('ignored'),
    isrecursive: param.boolean('ignored'),
  },
  async handle(core, ctx, p) {
    if (p.accounttype !== undefined && p.accounttype !== 0 && p.accounttype !== 1)
      throw invalid('accounttype must be 0 (user) or 1 (admin)', 'accounttype');
    if (p.state !== undefined && !['enabled', 'disabled', 'locked'].includes(p.state.toLowerCase())) {
      throw invalid('state must be enabled, disabled or locked', 'state');
    }
    const page = await core.usage.list(ctx, {
      id: p.id,
      name: p.name,
      keyword: p.keyword,
      state: p.state,
      admin: p.accounttype === undefined ? undefined : p.accounttype === 1,
      page: p.page,
      pageSize: p.pagesize,
    });
    return list('account', page.count, page.items.map(csAccount));
  },
});
