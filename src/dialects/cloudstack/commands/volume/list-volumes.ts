/** listVolumes: the caller's volumes with paging and filters. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, list } from '../../command.js';
import { csVolume } from '../../views/volume.js';

/** Turns decoded `tags[i].key/value` pairs into tag filters, dropping entries without a key. */
export function tagFilter(raw: unknown): Array<{ key: string; value?: string }> | undefined {
  const tags = raw as Array<{ key?: string; value?: string }> | undefined;
  return tags?.filter((t) => t.key).map((t) => ({ key: t.key!, value: t.value }));
}

/** The command. */
export const listVolumes: CsCommand = {
  name: 'listVolumes', description: 'Lists all volumes.', isAsync: false, responseName: 'volume',
  params: [
    ...LIST_PARAMS,
    { name: 'id', type: 'uuid', description: 'the ID of the disk volume' },
    { name: 'name', type: 'string', description: 'the name of the disk volume' },
    { name: 'type', type: 'string', description: 'the type of disk volume (ROOT or DATADISK)' },
    { name: 'virtualmachineid', type: 'uuid', description: 'the ID of the virtual machine' },
    { name: 'zoneid', type: 'uuid', description: 'the ID of the availability zone' },
    { name: 'tags', type: 'map', description: 'list volumes by tags (key/value pairs); multiple tags are OR-ed' },
    { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
    { name: 'listall', type: 'boolean', description: 'ignored' },
  ],
  async handle(core, ctx, p) {
    const page = await core.volumes.list(ctx, {
      id: p.id, name: p.name, keyword: p.keyword, type: p.type, vmId: p.virtualmachineid, zoneId: p.zoneid,
      tags: tagFilter(p.tags), page: p.page, pageSize: p.pagesize,
    });
    return list('volume', page.count, page.items.map(csVolume));
  },
};
