/** queryReverseDnsForPublicIpAddress: the PTR record of an elastic IP; sync. */
import { command, param, sync } from '../../command.js';
import { csIpReverseDns } from '../../views/reverse-dns.js';

/** The command. */
export const queryReverseDnsForPublicIpAddress = command({
  name: 'queryReverseDnsForPublicIpAddress',
  description: 'Query the PTR DNS record for the public IP address',
  isAsync: false,
  responseName: 'ipaddress',
  params: { id: param.uuid('the ID of the public IP address').required() },
  async handle(core, ctx, p) {
    return sync({ ipaddress: csIpReverseDns(await core.reverseDns.forIp(ctx, p.id)) });
  },
});
