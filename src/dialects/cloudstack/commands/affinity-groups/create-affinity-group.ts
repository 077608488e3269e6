/** createAffinityGroup: CloudStack's generic create of an (anti-)affinity group; async, the job result is the `affinitygroup`. */
import { IGNORED_OWNER, command, job, param } from '../../command.js';

/** The command. */
export const createAffinityGroup = command({
  name: 'createAffinityGroup',
  description: 'Creates an affinity/anti-affinity group',
  isAsync: true,
  responseName: 'affinitygroup',
  params: {
    name: param.string('name of the affinity group').required(),
    type: param.string('Type of the affinity group: "host anti-affinity"').required(),
    description: param.string('optional description of the affinity group'),
    ...IGNORED_OWNER,
  },
  async handle(core, ctx, p) {
    const { receipt } = await core.affinity.create(ctx, { name: p.name, type: p.type, description: p.description });
    return job(receipt.taskId, receipt.objectId);
  },
});
