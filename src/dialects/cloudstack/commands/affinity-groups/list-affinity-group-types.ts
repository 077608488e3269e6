/** listAffinityGroupTypes: the one supported affinity group type. */
import { LIST_PARAMS, command, list } from '../../command.js';

/** The command; the list key is libcloud's camelCase `affinityGroupType`. */
export const listAffinityGroupTypes = command({
  name: 'listAffinityGroupTypes',
  description: 'Lists affinity group types available',
  isAsync: false,
  responseName: 'affinityGroupType',
  params: LIST_PARAMS,
  async handle(core) {
    const types = core.affinity.types().map((type) => ({ type }));
    return list('affinityGroupType', types.length, types);
  },
});
