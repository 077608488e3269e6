/** createDnsDomainRecord: adds a record to one of the caller's domains; sync, the record as the answer. */
import { command, sync } from '../../command.js';
import { DOMAIN_REF, RECORD_FIELDS, csDnsRecord, domainRef } from '../../views/dns.js';

/** The command. */
export const createDnsDomainRecord = command({
  name: 'createDnsDomainRecord',
  description: 'Create a domain record, id or name must be provided',
  isAsync: false,
  responseName: 'record',
  params: { ...DOMAIN_REF, ...RECORD_FIELDS },
  async handle(core, ctx, p) {
    const { record } = await core.dns.createRecord(ctx, domainRef(p), {
      name: p.record_name,
      type: p.record_type,
      content: p.content,
      ttl: p.ttl,
      priority: p.priority,
    });
    return sync(csDnsRecord(record));
  },
});
