/** listDnsDomainRecords: the records of one of the caller's domains (SOA and NS included); sync. */
import { command, list, param } from '../../command.js';
import { DOMAIN_REF, csDnsRecord, domainRef } from '../../views/dns.js';

/** The command. */
export const listDnsDomainRecords = command({
  name: 'listDnsDomainRecords',
  description: 'List domain records for a domain, id or name must be provided',
  isAsync: false,
  responseName: 'records',
  params: {
    ...DOMAIN_REF,
    record_name: param.string('only the records of this name').maxLength(253),
    record_type: param.string('only the records of this type'),
    page: param.integer('Page number (1-based)'),
    pagesize: param.integer('Items per page'),
  },
  async handle(core, ctx, p) {
    const page = await core.dns.records(ctx, domainRef(p), {
      name: p.record_name,
      type: p.record_type,
      page: p.page,
      pageSize: p.pagesize,
    });
    return list('records', page.count, page.items.map(csDnsRecord));
  },
});
