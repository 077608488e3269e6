/** listPublicIpAddresses: the caller's elastic IPs with paging and filters. */
import { LIST_PARAMS, command, list, param } from '../../command.js';
import { TAGS_FILTER, tagMatches } from '../../tag-params.js';
import { csPublicIp } from '../../views/public-ip.js';

/** The command. */
export const listPublicIpAddresses = command({
  name: 'listPublicIpAddresses',
  description: 'Lists all public ip addresses',
  isAsync: false,
  responseName: 'publicipaddress',
  params: {
    ...LIST_PARAMS,
    id: param.uuid('lists ip address by id'),
    ipaddress: param.string('lists the specified IP address').maxLength(64),
    zoneid: param.uuid('lists all public IP addresses by zone ID'),
    allocatedonly: param.boolean('limits search results to allocated public IP addresses'),
    iselastic: param.boolean('list only elastic IPs'),
    virtualmachineid: param.uuid('lists the IPs attached to this virtual machine'),
    tags: TAGS_FILTER,
    projectid: param.uuid('ignored: Nube has no projects'),
    listall: param.boolean('ignored'),
  },
  async handle(core, ctx, p) {
    const page = await core.ips.list(ctx, {
      id: p.id,
      address: p.ipaddress,
      zoneId: p.zoneid,
      vmId: p.virtualmachineid,
      allocatedOnly: p.allocatedonly,
      isElastic: p.iselastic,
      keyword: p.keyword,
      tags: tagMatches(p.tags),
      page: p.page,
      pageSize: p.pagesize,
    });
    return list('publicipaddress', page.count, page.items.map(csPublicIp));
  },
});
