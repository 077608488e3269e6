/** revokeApiKey: revokes one of the account's IAM API keys; the next request signed with it is refused; sync. */
import { command, param, sync } from '../../command.js';

/** The command. */
export const revokeApiKey = command({
  name: 'revokeApiKey',
  description: 'Revoke an existing API key',
  isAsync: false,
  service: 'iam',
  responseName: 'success',
  params: { key: param.string('the access key to be revoked').maxLength(255).required() },
  async handle(core, ctx, p) {
    await core.iam.revoke(ctx, p.key);
    return sync({ success: true });
  },
});
