/** createApiKey: a new IAM API key, unrestricted or restricted to operations and resources; sync, the only answer with its secret. */
import { command, param, sync } from '../../command.js';
import { operationCatalog } from '../../iam-operations.js';
import { csApiKey } from '../../views/api-key.js';

/** The command. */
export const createApiKey = command({
  name: 'createApiKey',
  description: 'Create a new API key for the current organization',
  isAsync: false,
  service: 'iam',
  responseName: 'apikey',
  params: {
    name: param.string('the name of the key').maxLength(255).required(),
    operations: param.list('comma-separated list of operations available for the key').maxLength(120),
    resources: param
      .list('comma-separated list of resources available for the key; only buckets (sos/bucket:my-bucket-name)')
      .maxLength(120),
  },
  async handle(core, ctx, p, req) {
    const made = await core.iam.create(
      ctx,
      { name: p.name, operations: p.operations, resources: p.resources },
      operationCatalog(req.commands),
    );
    return sync({ apikey: csApiKey(made, made.secret) });
  },
});
