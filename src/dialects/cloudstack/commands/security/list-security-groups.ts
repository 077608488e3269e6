/** listSecurityGroups: the caller's security groups with their rules, filtered and paged. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, list } from '../../command.js';
import { csSecurityGroup } from '../../views/security-group.js';

/** The command. */
export const listSecurityGroups: CsCommand = {
  name: 'listSecurityGroups', description: 'Lists security groups', isAsync: false, responseName: 'securitygroup',
  params: [
    ...LIST_PARAMS,
    { name: 'id', type: 'uuid', description: 'list the security group by the id provided' },
    { name: 'securitygroupname', type: 'string', description: 'list security groups by name' },
    { name: 'virtualmachineid', type: 'uuid', description: 'list security groups by virtual machine id' },
    { name: 'tags', type: 'map', description: 'list security groups by tags (key/value pairs); multiple tags are OR\'ed' },
    { name: 'account', type: 'string', description: 'ignored' },
    { name: 'domainid', type: 'uuid', description: 'ignored' },
    { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
    { name: 'listall', type: 'boolean', description: 'ignored' },
    { name: 'isrecursive', type: 'boolean', description: 'ignored' },
  ],
  async handle(core, ctx, p) {
    const tags = (p.tags as Array<{ key?: string; value?: string }> | undefined)?.filter((t) => t.key).map((t) => ({ key: t.key!, value: t.value }));
    const page = await core.firewalls.list(ctx, {
      id: p.id, name: p.securitygroupname, keyword: p.keyword, vmId: p.virtualmachineid, tags, page: p.page, pageSize: p.pagesize,
    });
    return list('securitygroup', page.count, page.items.map((g) => csSecurityGroup(g)));
  },
};
