/** updateReverseDnsForPublicIpAddress: points an elastic IP at a domain name; sync, answers the record. */
import { command, param, sync } from '../../command.js';
import { csIpReverseDns } from '../../views/reverse-dns.js';

/** The command. */
export const updateReverseDnsForPublicIpAddress = command({
  name: 'updateReverseDnsForPublicIpAddress',
  description: 'Update/create the PTR DNS record for the public IP address',
  isAsync: false,
  responseName: 'ipaddress',
  params: {
    id: param.uuid('the ID of the public IP address').required(),
    domainname: param.string('the domain name for the PTR record. It must have a valid TLD').required(),
  },
  async handle(core, ctx, p) {
    const { view } = await core.reverseDns.setForIp(ctx, p.id, p.domainname);
    return sync({ ipaddress: csIpReverseDns(view) });
  },
});
