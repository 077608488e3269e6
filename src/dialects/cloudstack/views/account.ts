/** An account as CloudStack's `account` object and a limit as its `resourcelimit` object. */
import type { AccountUsageView, ResourceLimit } from '../../../core/accounts/usage.js';
import { csDate } from './common.js';

const GIB = 1024 ** 3;
const UNLIMITED = 'Unlimited';

/** The account object with its totals; every limit is unlimited. */
export function csAccount(v: AccountUsageView): Record<string, unknown> {
  const { account: a, totals: t } = v;
  const accounttype = a.type === 'admin' ? 1 : 0;
  const res = (name: string, total: number) => ({ [`${name}limit`]: UNLIMITED, [`${name}available`]: UNLIMITED, [`${name}total`]: total });
  return {
    id: a.id, name: a.name, accounttype, state: a.state, domain: 'ROOT', domainid: a.id, isdefault: false, groups: [],
    ...res('vm', t.vmTotal), vmrunning: t.vmRunning, vmstopped: t.vmStopped,
    ...res('cpu', t.cpuTotal), ...res('memory', t.memoryTotal), ...res('volume', t.volumeTotal),
    ...res('primarystorage', Math.ceil(t.primaryStorageBytes / GIB)), ...res('secondarystorage', Math.ceil(t.secondaryStorageBytes / GIB)),
    ...res('ip', t.ipTotal), eiplimit: UNLIMITED, ...res('network', t.networkTotal), ...res('snapshot', t.snapshotTotal),
    ...res('template', t.templateTotal), ...res('vpc', 0), ...res('project', 0),
    user: v.users.map((u) => ({
      id: u.id, username: u.username, email: u.email, firstname: u.first_name, lastname: u.last_name, state: u.state,
      created: csDate(u.created_at), account: a.name, accountid: a.id, accounttype, domain: 'ROOT', domainid: a.id, isdefault: false,
    })),
  };
}

/** The resourcelimit object: the type as a string number, max as a JSON number (-1 = unlimited). */
export function csResourceLimit(l: ResourceLimit, accountName: string, accountId: string): Record<string, unknown> {
  return { resourcetype: String(l.type), resourcetypename: l.name, max: l.max, account: accountName, domain: 'ROOT', domainid: accountId };
}
