/** createDnsDomain: hosts a new domain (with its SOA and NS records) for the caller; sync. */
import { command, param, sync } from '../../command.js';
import { csDnsDomain } from '../../views/dns.js';

/** The command. */
export const createDnsDomain = command({
  name: 'createDnsDomain',
  description: 'Create a domain',
  isAsync: false,
  responseName: 'dnsdomain',
  params: { name: param.string('the name of the DNS domain.').required().maxLength(253) },
  async handle(core, ctx, p) {
    const { domain } = await core.dns.create(ctx, p.name);
    return sync({ dnsdomain: csDnsDomain(domain) });
  },
});
