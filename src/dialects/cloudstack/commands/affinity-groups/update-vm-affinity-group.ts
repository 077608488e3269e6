/** updateVMAffinityGroup: replaces the affinity groups of a stopped VM; async, job result `virtualmachine`. */
import { command, job, param } from '../../command.js';
import { ParamError } from '../../params.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Splits a comma list where an empty value means "no groups" (declared as string so that '' survives decoding). */
function split(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
}

/** The command. */
export const updateVMAffinityGroup = command({
  name: 'updateVMAffinityGroup',
  description: 'Updates the affinity/anti-affinity group associations of a virtual machine. The VM has to be stopped.',
  isAsync: true,
  responseName: 'virtualmachine',
  params: {
    id: param.uuid('The ID of the virtual machine').required(),
    affinitygroupids: param.string('comma separated list of affinity groups id; empty leaves the VM in no group'),
    affinitygroupnames: param.string('comma separated list of affinity groups names; empty leaves the VM in no group'),
  },
  async handle(core, ctx, p) {
    const ids = split(p.affinitygroupids);
    for (const id of ids ?? []) {
      if (!UUID_RE.test(id)) {
        throw new ParamError(
          'affinitygroupids',
          `Unable to execute API command updatevmaffinitygroup due to invalid value. Invalid parameter affinitygroupids value=${id.slice(0, 256)}: not a UUID.`,
        );
      }
    }
    const { taskId } = await core.affinity.updateVmGroups(ctx, p.id, {
      ids: ids?.map((s) => s.toLowerCase()),
      names: split(p.affinitygroupnames),
    });
    return job(taskId, p.id);
  },
});
