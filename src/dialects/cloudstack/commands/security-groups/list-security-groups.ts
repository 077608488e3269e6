/** listSecurityGroups: the caller's security groups with their rules, filtered and paged. */
import { IGNORED_OWNER, LIST_PARAMS, command, list, param } from '../../command.js';
import { tagFilter } from '../../tag-params.js';
import { csSecurityGroup } from '../../views/security-group.js';

/** The command. */
export const listSecurityGroups = command({
  name: 'listSecurityGroups',
  description: 'Lists security groups',
  isAsync: false,
  responseName: 'securitygroup',
  params: {
    ...LIST_PARAMS,
    id: param.uuid('list the security group by the id provided'),
    securitygroupname: param.string('list security groups by name'),
    virtualmachineid: param.uuid('list security groups by virtual machine id'),
    tags: param.map<'key' | 'value'>("list security groups by tags (key/value pairs); multiple tags are OR'ed"),
    ...IGNORED_OWNER,
    listall: param.boolean('ignored'),
    isrecursive: param.boolean('ignored'),
  },
  async handle(core, ctx, p) {
    const page = await core.firewalls.list(ctx, {
      id: p.id,
      name: p.securitygroupname,
      keyword: p.keyword,
      vmId: p.virtualmachineid,
      tags: tagFilter(p.tags),
      page: p.page,
      pageSize: p.pagesize,
    });
    return list(
      'securitygroup',
      page.count,
      page.items.map((g) => csSecurityGroup(g)),
    );
  },
});
