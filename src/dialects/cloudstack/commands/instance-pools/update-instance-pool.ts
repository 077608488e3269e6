/** updateInstancePool: changes the settings of members deployed from now on; sync. */
import { command, param, sync } from '../../command.js';

/** The command. */
export const updateInstancePool = command({
  name: 'updateInstancePool',
  description: "Update an Instance Pool's properties.",
  isAsync: false,
  responseName: 'success',
  params: {
    id: param.uuid('the ID of the Instance Pool to update').required(),
    zoneid: param.uuid('the ID of the zone where the Instance Pool is located in'),
    name: param.string('update the Instance Pool name'),
    description: param.string('update the Instance Pool description'),
    templateid: param.uuid('update the ID of the template to use when creating managed instances'),
    userdata: param.string('update the Instance Pool cloud-init (base64-encoded)').maxLength(32768),
    rootdisksize: param.long('the disk size of the managed instances (GB)'),
    affinitygroupids: param.uuidlist(
      'Nube: replace the Anti-affinity Groups of instances deployed from now on (a group holds at most 8 instances)',
    ),
  },
  async handle(core, ctx, p) {
    await core.instancePools.update(
      ctx,
      p.id,
      {
        name: p.name,
        description: p.description,
        templateId: p.templateid,
        userData: p.userdata,
        rootDiskSizeGb: p.rootdisksize,
        antiAffinityGroupIds: p.affinitygroupids,
      },
      p.zoneid,
    );
    return sync({ success: true });
  },
});
