/** AccountUsage: what an account holds (VMs, volumes, IPs, ...) with its users, and its resource limits. */
import type { Q } from '../../store/db.js';
import type { AccountRow, UserRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { invalid } from '../../lib/errors.js';
import { matchesKeyword, paginate, type Page, type Paging } from '../../lib/page.js';
import { effectiveLimits, type LimitName, type Limits } from '../quotas/service.js';

/** Totals of one account's resources; storage in bytes. */
export interface AccountTotals {
  vmTotal: number;
  vmRunning: number;
  vmStopped: number;
  cpuTotal: number;
  memoryTotal: number;
  volumeTotal: number;
  primaryStorageBytes: number;
  ipTotal: number;
  networkTotal: number;
  snapshotTotal: number;
  templateTotal: number;
  secondaryStorageBytes: number;
}

/** An account with its users, totals and effective limits (-1 = unlimited). */
export interface AccountUsageView {
  account: AccountRow;
  users: UserRow[];
  totals: AccountTotals;
  limits: Limits;
}

/** Filters of an account list. */
export interface AccountFilter {
  id?: string;
  name?: string;
  keyword?: string;
  state?: string;
  admin?: boolean;
  page?: number;
  pageSize?: number;
}

/** One resource limit: CloudStack numbers resource types 0-11; max -1 means unlimited. */
export interface ResourceLimit {
  type: number;
  name: string;
  max: number;
}

/** The resource types limits exist for, in CloudStack's numbering. */
export const RESOURCE_TYPES = [
  'user_vm',
  'public_ip',
  'volume',
  'snapshot',
  'template',
  'project',
  'network',
  'vpc',
  'cpu',
  'memory',
  'primary_storage',
  'secondary_storage',
] as const;

/** The Nube limit behind each resource type (null: not limited, always -1); primary storage is in GB, memory in MB. */
export const RESOURCE_TYPE_LIMITS: Record<(typeof RESOURCE_TYPES)[number], LimitName | null> = {
  user_vm: 'vms',
  public_ip: 'ips',
  volume: 'volumes',
  snapshot: 'snapshots',
  template: null,
  project: null,
  network: 'networks',
  vpc: null,
  cpu: 'cpus',
  memory: 'memory_mb',
  primary_storage: 'storage_gb',
  secondary_storage: null,
};

/** Reports accounts' usage and limits; a normal user sees only its own account, an admin every account. */
export class AccountUsage {
  constructor(private readonly deps: CoreDeps) {}

  /** One page of the accounts the caller may see, with users and totals. */
  async list(ctx: CallContext, f: AccountFilter = {}): Promise<Page<AccountUsageView>> {
    const db = this.deps.store.db;
    let q = db.selectFrom('accounts').selectAll().orderBy('name');
    if (!ctx.isAdmin) q = q.where('id', '=', ctx.accountId);
    if (f.id) q = q.where('id', '=', f.id);
    if (f.name) q = q.where('name', '=', f.name);
    if (f.state) q = q.where('state', '=', f.state.toLowerCase());
    if (f.admin !== undefined) q = q.where('type', '=', f.admin ? 'admin' : 'user');
    const rows = (await q.execute()).filter((a) => matchesKeyword(f.keyword, a.name, a.email));
    const page = paginate(rows, f);
    const items: AccountUsageView[] = [];
    for (const account of page.items) {
      const users = await db
        .selectFrom('users')
        .selectAll()
        .where('account_id', '=', account.id)
        .orderBy('created_at')
        .execute();
      items.push({
        account,
        users,
        totals: await totals(db, account.id),
        limits: await effectiveLimits(db, this.deps.config.defaultLimits, account.id),
      });
    }
    return { count: page.count, items };
  }

  /** One page of the caller's resource limits (-1 = unlimited); type filters one resource type (0-11). */
  async limits(ctx: CallContext, type: number | undefined, paging: Paging): Promise<Page<ResourceLimit>> {
    if (type !== undefined && (!Number.isInteger(type) || type < 0 || type >= RESOURCE_TYPES.length)) {
      throw invalid(`resourcetype must be between 0 and ${RESOURCE_TYPES.length - 1}`, 'resourcetype');
    }
    const limits = await effectiveLimits(this.deps.store.db, this.deps.config.defaultLimits, ctx.accountId);
    return paginate(
      RESOURCE_TYPES.map((name, i) => ({ type: i, name, max: limitOf(limits, name) })).filter(
        (l) => type === undefined || l.type === type,
      ),
      paging,
    );
  }
}

/** The limit of a resource type (-1 when Nube does not limit it). */
function limitOf(limits: Limits, type: (typeof RESOURCE_TYPES)[number]): number {
  const name = RESOURCE_TYPE_LIMITS[type];
  return name ? limits[name] : -1;
}

/** Counts one account's live resources. */
async function totals(q: Q, accountId: string): Promise<AccountTotals> {
  const [vms, vols, ips, nets, snaps, tpls] = await Promise.all([
    q
      .selectFrom('vms')
      .select(['state', 'cpu_number', 'memory'])
      .where('account_id', '=', accountId)
      .where('removed_at', 'is', null)
      .execute(),
    q
      .selectFrom('volumes')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('size').as('bytes')])
      .where('account_id', '=', accountId)
      .where('removed_at', 'is', null)
      .executeTakeFirstOrThrow(),
    q
      .selectFrom('public_ips')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow(),
    q
      .selectFrom('networks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('removed_at', 'is', null)
      .executeTakeFirstOrThrow(),
    q
      .selectFrom('snapshots')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('size').as('bytes')])
      .where('account_id', '=', accountId)
      .where('removed_at', 'is', null)
      .executeTakeFirstOrThrow(),
    q
      .selectFrom('templates')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('size').as('bytes')])
      .where('account_id', '=', accountId)
      .where('removed_at', 'is', null)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    vmTotal: vms.length,
    vmRunning: vms.filter((v) => v.state === 'running' || v.state === 'rebooting').length,
    vmStopped: vms.filter((v) => v.state === 'stopped' || v.state === 'defined').length,
    cpuTotal: vms.reduce((s, v) => s + Number(v.cpu_number), 0),
    memoryTotal: vms.reduce((s, v) => s + Number(v.memory), 0),
    volumeTotal: Number(vols.n),
    primaryStorageBytes: Number(vols.bytes ?? 0),
    ipTotal: Number(ips.n),
    networkTotal: Number(nets.n),
    snapshotTotal: Number(snaps.n),
    templateTotal: Number(tpls.n),
    secondaryStorageBytes: Number(snaps.bytes ?? 0) + Number(tpls.bytes ?? 0),
  };
}
