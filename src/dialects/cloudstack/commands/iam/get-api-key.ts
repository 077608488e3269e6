/** getApiKey: one of the account's IAM API keys, without its secret; sync. */
import { command, param, sync } from '../../command.js';
import { csApiKey } from '../../views/api-key.js';

/** The command. */
export const getApiKey = command({
  name: 'getApiKey',
  description: 'Retrieve an API key information',
  isAsync: false,
  service: 'iam',
  responseName: 'apikey',
  params: { key: param.string('the access key to be retrieved').maxLength(255).required() },
  async handle(core, ctx, p) {
    return sync({ apikey: csApiKey(await core.iam.get(ctx, p.key)) });
  },
});
