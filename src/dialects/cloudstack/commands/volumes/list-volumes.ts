/** listVolumes: the caller's volumes with paging and filters. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { tagFilter } from '../../tag-params.js';
import { csVolume } from '../../views/volume.js';

/** The command. */
export const listVolumes = command({
  name: 'listVolumes',
  description: 'Lists all volumes.',
  isAsync: false,
  responseName: 'volume',
  params: {
    ...LIST_PARAMS,
    id: param.uuid('the ID of the disk volume'),
    name: param.string('the name of the disk volume'),
    type: param.string('the type of disk volume (ROOT or DATADISK)'),
    virtualmachineid: param.uuid('the ID of the virtual machine'),
    zoneid: param.uuid('the ID of the availability zone'),
    tags: param.map<'key' | 'value'>('list volumes by tags (key/value pairs); multiple tags are OR-ed'),
    projectid: param.uuid('ignored: Nube has no projects'),
    listall: param.boolean('ignored'),
  },
  async handle(core, ctx, p) {
    const page = await core.volumes.list(ctx, {
      id: p.id,
      name: p.name,
      keyword: p.keyword,
      type: p.type,
      vmId: p.virtualmachineid,
      zoneId: p.zoneid,
      tags: tagFilter(p.tags),
      page: p.page,
      pageSize: p.pagesize,
    });
    return list('volume', page.count, page.items.map(csVolume));
  },
});
