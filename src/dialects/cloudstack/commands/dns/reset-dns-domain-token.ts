/** resetDnsDomainToken: gives one of the caller's domains a new token; sync. */
import { command, sync } from '../../command.js';
import { DOMAIN_REF, csDnsDomain, domainRef } from '../../views/dns.js';

/** The command. */
export const resetDnsDomainToken = command({
  name: 'resetDnsDomainToken',
  description: 'Reset the token of a DNS domain, id or name must be provided',
  isAsync: false,
  responseName: 'dnsdomain',
  params: DOMAIN_REF,
  async handle(core, ctx, p) {
    const { domain } = await core.dns.resetToken(ctx, domainRef(p));
    return sync({ dnsdomain: csDnsDomain(domain) });
  },
});
