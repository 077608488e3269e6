/** deleteDnsDomainRecord: removes a record (never the SOA) from one of the caller's domains; sync. */
import { command, param, sync } from '../../command.js';
import { DOMAIN_REF, domainRef } from '../../views/dns.js';

/** The command. */
export const deleteDnsDomainRecord = command({
  name: 'deleteDnsDomainRecord',
  description: 'Delete a domain record, domain id or name must be provided with the record_id',
  isAsync: false,
  responseName: 'success',
  params: { ...DOMAIN_REF, record_id: param.long('the id of the record.').required() },
  async handle(core, ctx, p) {
    await core.dns.deleteRecord(ctx, domainRef(p), p.record_id);
    return sync({ success: true });
  },
});
