/** An account as CloudStack's `account` object and a limit as its `resourcelimit` object. */
import type { AccountUsageView, ResourceLimit } from '../../../core/accounts/usage.js';
import { csDate } from './common.js';

const GIB = 1024 ** 3;
const UNLIMITED = 'Unlimited';

/** The account object with its totals, limits and what is left, as strings (`Unlimited` for -1) like CloudStack. */
export function csAccount(v: AccountUsageView): Record<string, unknown> {
  const { account: a, totals: t, limits: l } = v;
  const accounttype = a.type === 'admin' ? 1 : 0;
  const res = (name: string, total: number, max = -1) => ({
    [`${name}limit`]: max < 0 ? UNLIMITED : String(max),
    [`${name}available`]: max < 0 ? UNLIMITED : String(Math.max(0, max - total)),
    [`${name}total`]: total,
  });
  return {
    id: a.id,
    name: a.name,
    accounttype,
    state: a.state,
    domain: 'ROOT',
    domainid: a.id,
    isdefault: false,
    groups: [],
    ...res('vm', t.vmTotal, l.vms),
    vmrunning: t.vmRunning,
    vmstopped: t.vmStopped,
    ...res('cpu', t.cpuTotal, l.cpus),
    ...res('memory', t.memoryTotal, l.memory_mb),
    ...res('volume', t.volumeTotal, l.volumes),
    ...res('primarystorage', Math.ceil(t.primaryStorageBytes / GIB), l.storage_gb),
    ...res('secondarystorage', Math.ceil(t.secondaryStorageBytes / GIB)),
    ...res('ip', t.ipTotal, l.ips),
    eiplimit: l.ips < 0 ? UNLIMITED : String(l.ips),
    ...res('network', t.networkTotal, l.networks),
    ...res('snapshot', t.snapshotTotal, l.snapshots),
    ...res('template', t.templateTotal),
    ...res('vpc', 0),
    ...res('project', 0),
    user: v.users.map((u) => ({
      id: u.id,
      username: u.username,
      email: u.email,
      firstname: u.first_name,
      lastname: u.last_name,
      state: u.state,
      created: csDate(u.created_at),
      account: a.name,
      accountid: a.id,
      accounttype,
      domain: 'ROOT',
      domainid: a.id,
      isdefault: false,
    })),
  };
}

/** The resourcelimit object: the type as a string number, max as a JSON number (-1 = unlimited). */
export function csResourceLimit(l: ResourceLimit, accountName: string, accountId: string): Record<string, unknown> {
  return {
    resourcetype: String(l.type),
    resourcetypename: l.name,
    max: l.max,
    account: accountName,
    domain: 'ROOT',
    domainid: accountId,
  };
}
