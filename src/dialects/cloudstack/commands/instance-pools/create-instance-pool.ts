/** createInstancePool: a pool of identical VMs in state `creating`; sync (the members are deployed in the background). */
import { command, param, sync } from '../../command.js';
import { csInstancePool } from '../../views/instance-pool.js';

/** The command. */
export const createInstancePool = command({
  name: 'createInstancePool',
  description: 'Create an Instance Pool.',
  isAsync: false,
  responseName: 'instancepool',
  params: {
    name: param.string('the name of the Instance Pool').required(),
    serviceofferingid: param.uuid('the size of the managed instances').required(),
    templateid: param.uuid('the ID of the template to use when creating managed instances').required(),
    size: param.integer('the number of instances to be managed by the Instance Pool').required(),
    zoneid: param.uuid('the zone ID to deploy the instance pool into').required(),
    description: param.string('the description of the Instance Pool'),
    securitygroupids: param.uuidlist('a list of Security Group IDs to apply to managed instances'),
    affinitygroupids: param.uuidlist(
      'a list of Anti-affinity Group IDs to apply to managed instances (a group holds at most 8 instances)',
    ),
    networkids: param.uuidlist('a list of Private Network IDs to attach managed instances to'),
    keypair: param.string('the name of the SSH key to install when creating instances'),
    userdata: param
      .string('a cloud-init user data configuration (base64-encoded) to apply when creating managed instances')
      .maxLength(32768),
    rootdisksize: param.long('the disk size of the managed instances (GB)'),
  },
  async handle(core, ctx, p) {
    const pool = await core.instancePools.create(ctx, {
      name: p.name,
      description: p.description,
      size: p.size,
      zoneId: p.zoneid,
      serviceOfferingId: p.serviceofferingid,
      templateId: p.templateid,
      rootDiskSizeGb: p.rootdisksize,
      keyPair: p.keypair,
      userData: p.userdata,
      securityGroupIds: p.securitygroupids,
      antiAffinityGroupIds: p.affinitygroupids,
      networkIds: p.networkids,
    });
    return sync(csInstancePool(pool));
  },
});
