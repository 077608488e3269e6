/** getDnsDomainZoneFile: one of the caller's domains as an RFC 1035 zone file; sync. */
import { command, sync } from '../../command.js';
import { DOMAIN_REF, domainRef } from '../../views/dns.js';

/** The command. */
export const getDnsDomainZoneFile = command({
  name: 'getDnsDomainZoneFile',
  description: 'Get the DNS zone file for a domain, id or name must be provided',
  isAsync: false,
  responseName: 'domain',
  params: DOMAIN_REF,
  async handle(core, ctx, p) {
    const { domain, zoneFile } = await core.dns.zoneFile(ctx, domainRef(p));
    return sync({
      domain: {
        account: domain.accountEmail,
        accountid: domain.accountId,
        id: domain.id,
        name: domain.name,
        zonefile: zoneFile,
      },
    });
  },
});
