/** listApiKeyOperations: the operations the key that signs the call may perform (all of them for an unrestricted key); sync. */
import { command, sync } from '../../command.js';
import { operationCatalog } from '../../iam-operations.js';

/** The command. */
export const listApiKeyOperations = command({
  name: 'listApiKeyOperations',
  description: 'List of operations allowed for the current API key',
  isAsync: false,
  service: 'iam',
  responseName: 'operations',
  params: {},
  async handle(core, ctx, _p, req) {
    return sync({ operations: await core.iam.operations(ctx, operationCatalog(req.commands)) });
  },
});
