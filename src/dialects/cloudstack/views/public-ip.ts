/** An elastic IP as CloudStack's `ipaddress` / `publicipaddress` object, and the associate/update job results. */
import type { Core } from '../../../core/core.js';
import type { CallContext } from '../../../lib/context.js';
import type { PublicIpView } from '../../../core/ips/service.js';
import { CoreError } from '../../../lib/errors.js';
import { csDate, csTags } from './common.js';

/** The IP object; VM fields only while it is attached, the health check only when one is configured. */
export function csPublicIp(ip: PublicIpView): Record<string, unknown> {
  const hc = ip.healthcheck;
  return {
    id: ip.id,
    ipaddress: ip.address,
    allocated: csDate(ip.created),
    state: ip.state,
    zoneid: ip.zoneId,
    zonename: ip.zoneName,
    account: ip.accountName,
    domain: 'ROOT',
    domainid: ip.accountId,
    iselastic: true,
    issourcenat: false,
    isstaticnat: false,
    issystem: false,
    isportable: false,
    forvirtualnetwork: false,
    associatednetworkid: ip.networkId ?? undefined,
    networkid: ip.networkId ?? undefined,
    virtualmachineid: ip.vmId ?? undefined,
    virtualmachinename: ip.vmName ?? undefined,
    virtualmachinedisplayname: ip.vmDisplayName ?? undefined,
    healthcheck: hc
      ? {
          mode: hc.mode,
          port: hc.port,
          path: hc.path ?? undefined,
          interval: hc.interval,
          timeout: hc.timeout,
          'strikes-ok': hc.strikesOk,
          'strikes-fail': hc.strikesFail,
        }
      : undefined,
    tags: csTags(ip.tags, 'PublicIpAddress', ip.id, ip.accountName),
  };
}

/** The job result of associateIpAddress and updateIpAddress: the IP, or what the task allocated once it is released. */
export async function ipAddressResult(
  core: Core,
  ctx: CallContext,
  res: { id: string; address?: string; zoneId?: string },
): Promise<Record<string, unknown>> {
  try {
    return { ipaddress: csPublicIp(await core.ips.get(ctx, res.id)) };
  } catch (err) {
    // The IP was released since: the job still reports what it allocated, so listAsyncJobs keeps working.
    if (!(err instanceof CoreError && err.kind === 'NotFound')) throw err;
    const zone = typeof res.zoneId === 'string' ? await core.catalog.zoneOrUndefined(res.zoneId) : undefined;
    return {
      ipaddress: {
        id: res.id,
        ipaddress: res.address,
        zoneid: res.zoneId,
        zonename: zone?.name,
        state: 'Released',
        account: ctx.accountName,
        iselastic: true,
        issourcenat: false,
        isstaticnat: false,
        tags: [],
      },
    };
  }
}
