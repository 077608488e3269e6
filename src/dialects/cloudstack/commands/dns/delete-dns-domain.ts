/** deleteDnsDomain: stops hosting one of the caller's domains, by id or name; sync. */
import { command, sync } from '../../command.js';
import { DOMAIN_REF, domainRef } from '../../views/dns.js';

/** The command. */
export const deleteDnsDomain = command({
  name: 'deleteDnsDomain',
  description: 'Delete a domain, id or name must be provided',
  isAsync: false,
  responseName: 'success',
  params: DOMAIN_REF,
  async handle(core, ctx, p) {
    await core.dns.delete(ctx, domainRef(p));
    return sync({ success: true });
  },
});
