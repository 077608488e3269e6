/** getDnsDomainRecord: one record of one of the caller's domains; sync. */
import { command, param, sync } from '../../command.js';
import { DOMAIN_REF, csDnsRecord, domainRef } from '../../views/dns.js';

/** The command. */
export const getDnsDomainRecord = command({
  name: 'getDnsDomainRecord',
  description: 'Get a domain record, domain id or name must be provided with the record_id',
  isAsync: false,
  responseName: 'record',
  params: { ...DOMAIN_REF, record_id: param.long('the id of the record.').required() },
  async handle(core, ctx, p) {
    return sync(csDnsRecord(await core.dns.record(ctx, domainRef(p), p.record_id)));
  },
});
