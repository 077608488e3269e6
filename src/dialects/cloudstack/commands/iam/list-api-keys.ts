/** listApiKeys: the account's live IAM API keys, without their secrets; sync. */
import { command, list } from '../../command.js';
import { csApiKey } from '../../views/api-key.js';

/** The command. */
export const listApiKeys = command({
  name: 'listApiKeys',
  description: 'List of API keys',
  isAsync: false,
  service: 'iam',
  responseName: 'apikey',
  params: {},
  async handle(core, ctx) {
    const keys = await core.iam.list(ctx);
    return list(
      'apikey',
      keys.length,
      keys.map((k) => csApiKey(k)),
    );
  },
});
