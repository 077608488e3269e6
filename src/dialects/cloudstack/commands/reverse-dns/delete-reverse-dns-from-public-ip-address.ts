/** deleteReverseDnsFromPublicIpAddress: removes the PTR record of an elastic IP; sync, `{success: true}`. */
import { command, param, sync } from '../../command.js';

/** The command. */
export const deleteReverseDnsFromPublicIpAddress = command({
  name: 'deleteReverseDnsFromPublicIpAddress',
  description: 'Delete the PTR DNS record from the public IP address',
  isAsync: false,
  responseName: 'success',
  params: { id: param.uuid('the ID of the public IP address').required() },
  async handle(core, ctx, p) {
    await core.reverseDns.deleteForIp(ctx, p.id);
    return sync({ success: true });
  },
});
