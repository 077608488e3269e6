/** listSnapshots: the caller's snapshots with paging and filters. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { tagFilter } from '../../tag-params.js';
import { csSnapshot } from '../../views/volume.js';

/** The command; always answers the `snapshot` key, which libcloud requires. */
export const listSnapshots = command({
  name: 'listSnapshots',
  description: 'Lists all available snapshots for the account.',
  isAsync: false,
  responseName: 'snapshot',
  params: {
    ...LIST_PARAMS,
    id: param.uuid('lists snapshot by snapshot ID'),
    name: param.string('lists snapshot by snapshot name'),
    volumeid: param.uuid('the ID of the disk volume'),
    zoneid: param.uuid('list snapshots by zone id'),
    tags: param.map<'key' | 'value'>('list snapshots by tags (key/value pairs); multiple tags are OR-ed'),
    intervaltype: param.string('ignored: every snapshot is MANUAL'),
    snapshottype: param.string('ignored: every snapshot is MANUAL'),
    projectid: param.uuid('ignored: Nube has no projects'),
    listall: param.boolean('ignored'),
  },
  async handle(core, ctx, p) {
    const page = await core.snapshots.list(ctx, {
      id: p.id,
      name: p.name,
      keyword: p.keyword,
      volumeId: p.volumeid,
      zoneId: p.zoneid,
      tags: tagFilter(p.tags),
      page: p.page,
      pageSize: p.pagesize,
    });
    return list('snapshot', page.count, page.items.map(csSnapshot));
  },
});
