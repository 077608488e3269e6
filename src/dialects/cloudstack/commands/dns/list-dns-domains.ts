/** listDnsDomains: the caller's hosted domains; sync. */
import { command, list, param } from '../../command.js';
import { csDnsDomain } from '../../views/dns.js';

/**
 * The command. Each item is the domain's fields with the same object under `dnsdomain` as well: the Exoscale answer
 * wraps every item, while cs's fetch_list callers (the python-exoscale SDK, the conformance steps) read the fields flat.
 */
export const listDnsDomains = command({
  name: 'listDnsDomains',
  description: 'List domains',
  isAsync: false,
  responseName: 'dnsdomain',
  params: {
    name: param.string('the name of the DNS domain.').maxLength(253),
    page: param.integer('Page number (1-based)'),
    pagesize: param.integer('Items per page'),
  },
  async handle(core, ctx, p) {
    const page = await core.dns.list(ctx, { name: p.name, page: p.page, pageSize: p.pagesize });
    return list(
      'dnsdomain',
      page.count,
      page.items.map((d) => ({ ...csDnsDomain(d), dnsdomain: csDnsDomain(d) })),
    );
  },
});
