/** updateDnsDomainRecord: changes a record of one of the caller's domains (fields not given stay); sync. */
import { command, param, sync } from '../../command.js';
import { DOMAIN_REF, RECORD_FIELDS, csDnsRecord, domainRef } from '../../views/dns.js';

/** The command. */
export const updateDnsDomainRecord = command({
  name: 'updateDnsDomainRecord',
  description: 'Update a domain record, domain id or name must be provided with the record_id',
  isAsync: false,
  responseName: 'record',
  params: { ...DOMAIN_REF, record_id: param.long('the id of the record.').required(), ...RECORD_FIELDS },
  async handle(core, ctx, p) {
    const { record } = await core.dns.updateRecord(ctx, domainRef(p), p.record_id, {
      name: p.record_name,
      type: p.record_type,
      content: p.content,
      ttl: p.ttl,
      priority: p.priority,
    });
    return sync(csDnsRecord(record));
  },
});
