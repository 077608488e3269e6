/** associateIpAddress, updateIpAddress, disassociateIpAddress, listPublicIpAddresses: elastic IPs. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, job, list } from '../../command.js';
import type { ParamSpec } from '../../params.js';
import type { HealthcheckInput } from '../../../../core/ips/healthcheck.js';
import { csPublicIp } from '../../views/public-ip.js';
import { TAGS_FILTER, tagMatches } from './tag-params.js';

const HEALTHCHECK_PARAMS: ParamSpec[] = [
  { name: 'mode', type: 'string', description: 'probing mode, must be either "tcp" or "http"', max: 16 },
  { name: 'port', type: 'integer', description: 'service port to probe, must be between 1 and 65535' },
  { name: 'path', type: 'string', description: 'probe HTTP request path, must be specified in "http" mode', max: 255 },
  { name: 'interval', type: 'integer', description: 'probing interval in seconds, must be at least 5 (default: 10)' },
  { name: 'timeout', type: 'integer', description: 'time in seconds before considering a probing failed, must be lower than interval (default: 2)' },
  { name: 'strikes-ok', type: 'integer', description: 'number of successful probes before considering the target healthy (default: 2)' },
  { name: 'strikes-fail', type: 'integer', description: 'number of unsuccessful probes before considering the target unhealthy (default: 3)' },
];

function healthcheck(p: Record<string, any>): HealthcheckInput {
  return {
    mode: p.mode, port: p.port, path: p.path, interval: p.interval, timeout: p.timeout,
    strikesOk: p['strikes-ok'], strikesFail: p['strikes-fail'],
  };
}

/** associateIpAddress. */
export const associateIpAddress: CsCommand = {
  name: 'associateIpAddress', isAsync: true, responseName: 'ipaddress',
  description: 'Acquires and associates a public IP to an account. An optional healthcheck for the IP can also be configured.',
  params: [
    { name: 'zoneid', type: 'uuid', required: true, description: 'the ID of the availability zone to acquire the IP in' },
    ...HEALTHCHECK_PARAMS,
    { name: 'networkid', type: 'uuid', description: 'ignored: elastic IPs come from the zone\'s pool' },
    { name: 'vpcid', type: 'uuid', description: 'ignored: Nube has no VPCs' },
  ],
  async handle(core, ctx, p) {
    const r = await core.ips.associate(ctx, { zoneId: p.zoneid, healthcheck: healthcheck(p) });
    return job(r.taskId, r.id);
  },
};

/** updateIpAddress. */
export const updateIpAddress: CsCommand = {
  name: 'updateIpAddress', description: 'Updates an IP address.', isAsync: true, responseName: 'ipaddress',
  params: [{ name: 'id', type: 'uuid', required: true, description: 'the id of the public IP address to update' }, ...HEALTHCHECK_PARAMS],
  async handle(core, ctx, p) { return job(await core.ips.update(ctx, p.id, healthcheck(p)), p.id); },
};

/** disassociateIpAddress. */
export const disassociateIpAddress: CsCommand = {
  name: 'disassociateIpAddress', description: 'Disassociates an IP address.', isAsync: true,
  params: [{ name: 'id', type: 'uuid', required: true, description: 'the id of the public ip address to disassociate' }],
  async handle(core, ctx, p) { return job(await core.ips.disassociate(ctx, p.id), p.id); },
};

/** listPublicIpAddresses. */
export const listPublicIpAddresses: CsCommand = {
  name: 'listPublicIpAddresses', description: 'Lists all public ip addresses', isAsync: false, responseName: 'publicipaddress',
  params: [
    ...LIST_PARAMS,
    { name: 'id', type: 'uuid', description: 'lists ip address by id' },
    { name: 'ipaddress', type: 'string', description: 'lists the specified IP address', max: 64 },
    { name: 'zoneid', type: 'uuid', description: 'lists all public IP addresses by zone ID' },
    { name: 'allocatedonly', type: 'boolean', description: 'limits search results to allocated public IP addresses' },
    { name: 'iselastic', type: 'boolean', description: 'list only elastic IPs' },
    { name: 'virtualmachineid', type: 'uuid', description: 'lists the IPs attached to this virtual machine' },
    TAGS_FILTER,
    { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
    { name: 'listall', type: 'boolean', description: 'ignored' },
  ],
  async handle(core, ctx, p) {
    const page = await core.ips.list(ctx, {
      id: p.id, address: p.ipaddress, zoneId: p.zoneid, vmId: p.virtualmachineid, allocatedOnly: p.allocatedonly,
      isElastic: p.iselastic, keyword: p.keyword, tags: tagMatches(p.tags), page: p.page, pageSize: p.pagesize,
    });
    return list('publicipaddress', page.count, page.items.map(csPublicIp));
  },
};
