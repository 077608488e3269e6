/** Per-account quotas: effective limits (operator defaults and per-account overrides), the check every create and resize makes, and the operator's view. */
import type { Q } from '../../store/db.js';
import { LIMIT_NAMES, type LimitName, type Limits } from '../../config.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { forbidden, invalid, notFound, quotaExceeded } from '../../lib/errors.js';
import { nowIso } from '../../lib/util.js';
import { systemContext } from '../../lib/context.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { countUse, type QuotaUse } from './usage.js';

/** The limit names and shapes, re-exported so that dialects and the CLI take them from the core. */
export { LIMIT_NAMES, type LimitName, type Limits, type QuotaUse };

const GIB = 1024 ** 3;

/** What a create or resize adds to the account's use; storage in bytes. Missing or non-positive amounts ask for nothing. */
export interface QuotaDemand {
  vms?: number;
  cpus?: number;
  memoryMb?: number;
  volumes?: number;
  storageBytes?: number;
  snapshots?: number;
  ips?: number;
  networks?: number;
}

const DEMAND: Record<keyof QuotaDemand, LimitName> = {
  vms: 'vms',
  cpus: 'cpus',
  memoryMb: 'memory_mb',
  volumes: 'volumes',
  storageBytes: 'storage_gb',
  snapshots: 'snapshots',
  ips: 'ips',
  networks: 'networks',
};

/** How each limit reads in messages. */
const LABEL: Record<LimitName, string> = {
  vms: 'virtual machines',
  cpus: 'vCPUs',
  memory_mb: 'MB of memory',
  volumes: 'volumes',
  storage_gb: 'GB of volume storage',
  snapshots: 'snapshots',
  ips: 'public IP addresses',
  networks: 'private networks',
};

/** One limit as the operator sees it: the effective maximum, where it comes from, and the use now. */
export interface LimitView {
  max: number;
  source: 'default' | 'override';
  used: number;
}

/** Changes to an account's limits: a number (-1 = unlimited) sets an override, null returns to the default. */
export type LimitChanges = Partial<Record<LimitName, number | null>>;

/** The account's limits: the configured defaults with its overrides applied. */
export async function effectiveLimits(q: Q, defaults: Limits, accountId: string): Promise<Limits> {
  const rows = await q
    .selectFrom('account_limits')
    .select(['name', 'max'])
    .where('account_id', '=', accountId)
    .execute();
  const out: Limits = { ...defaults };
  for (const r of rows)
    if ((LIMIT_NAMES as readonly string[]).includes(r.name)) out[r.name as LimitName] = Number(r.max);
  return out;
}

/**
 * Refuses (QuotaExceeded) a create or resize that would take the account past one of its limits; call it in the
 * transaction that writes the new rows, before them. On PostgreSQL it locks the account's row first, so concurrent
 * creates of one account count one after the other and cannot both take the last unit; SQLite transactions are serial.
 */
export async function reserveQuota(
  deps: Pick<CoreDeps, 'store' | 'config'>,
  q: Q,
  accountId: string,
  demand: QuotaDemand,
): Promise<void> {
  const asked = (Object.keys(DEMAND) as Array<keyof QuotaDemand>).filter((k) => (demand[k] ?? 0) > 0);
  if (!asked.length) return;
  const limits = await effectiveLimits(q, deps.config.defaultLimits, accountId);
  const bounded = asked.filter((k) => limits[DEMAND[k]] >= 0);
  if (!bounded.length) return;
  if (deps.store.kind === 'postgres')
    await q.selectFrom('accounts').select('id').where('id', '=', accountId).forUpdate().execute();
  const use = await countUse(
    q,
    accountId,
    bounded.map((k) => DEMAND[k]),
  );
  for (const k of bounded) {
    const name = DEMAND[k];
    const more = demand[k]!;
    const used = use[name] ?? 0;
    const unit = name === 'storage_gb' ? GIB : 1;
    if (used + more > limits[name] * unit) {
      const shown = (n: number) => Math.ceil(n / unit);
      throw quotaExceeded(
        `Limit exceeded: this account may have at most ${limits[name]} ${LABEL[name]}; ` +
          `it has ${shown(used)} and this needs ${shown(more)} more. Delete some, or ask the operator to raise the limit`,
        'limit',
      );
    }
  }
}

/** Reads and changes accounts' limits. */
export class QuotaService {
  constructor(private readonly deps: CoreDeps) {}

  /** The effective limits of an account by id. */
  limitsOf(accountId: string): Promise<Limits> {
    return effectiveLimits(this.deps.store.db, this.deps.config.defaultLimits, accountId);
  }

  /** Operator view of an account by name: every limit with its source and the use now (storage in GB, rounded up). */
  async show(accountName: string): Promise<{ account: string; limits: Record<LimitName, LimitView> }> {
    const db = this.deps.store.db;
    const acct = await this.account(db, accountName);
    const overrides = new Set(
      (await db.selectFrom('account_limits').select('name').where('account_id', '=', acct.id).execute()).map(
        (r) => r.name,
      ),
    );
    const limits = await this.limitsOf(acct.id);
    const use = await countUse(db, acct.id, LIMIT_NAMES);
    const out = {} as Record<LimitName, LimitView>;
    for (const n of LIMIT_NAMES) {
      const used = use[n] ?? 0;
      out[n] = {
        max: limits[n],
        source: overrides.has(n) ? 'override' : 'default',
        used: n === 'storage_gb' ? Math.ceil(used / GIB) : used,
      };
    }
    return { account: acct.name, limits: out };
  }

  /**
   * Operator command (or an admin caller's, given as `by`): sets or clears overrides of an account's limits, recorded as a
   * finished task of that account; lowering below the use refuses new creates, deletes nothing.
   */
  async set(accountName: string, changes: LimitChanges, by?: CallContext): Promise<TaskReceipt> {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined) as Array<[string, number | null]>;
    if (!entries.length) throw invalid(`Give at least one limit to set (${LIMIT_NAMES.join(', ')})`, 'limits');
    for (const [name, v] of entries) {
      if (!(LIMIT_NAMES as readonly string[]).includes(name))
        throw invalid(`Unknown limit ${name} (known: ${LIMIT_NAMES.join(', ')})`, name);
      if (v !== null && (!Number.isSafeInteger(v) || v < -1))
        throw invalid(`The ${name} limit must be a whole number, or -1 for unlimited`, name);
    }
    const acct = await this.account(this.deps.store.db, accountName);
    return this.deps.store.tx(async (trx) => {
      for (const [name, v] of entries) {
        await trx.deleteFrom('account_limits').where('account_id', '=', acct.id).where('name', '=', name).execute();
        if (v !== null)
          await trx
            .insertInto('account_limits')
            .values({ account_id: acct.id, name, max: v, updated_at: nowIso() })
            .execute();
      }
      const ctx = {
        ...(by ?? systemContext(acct.id, acct.name, 'operator')),
        accountId: acct.id,
        accountName: acct.name,
      };
      return recordSyncChange(trx, {
        objectType: 'account',
        objectId: acct.id,
        ctx,
        payload: { action: 'set_limits', limits: Object.fromEntries(entries) },
      });
    });
  }

  /** An admin caller sets one limit of an account (its own when none is named); anyone else is Forbidden. */
  async setByAdmin(
    ctx: CallContext,
    accountName: string | undefined,
    name: LimitName,
    max: number | null,
  ): Promise<{ receipt: TaskReceipt; accountId: string; accountName: string; max: number }> {
    if (!ctx.isAdmin) throw forbidden('Only an administrator may change resource limits');
    const target = accountName ?? ctx.accountName;
    const receipt = await this.set(target, { [name]: max }, ctx);
    const acct = await this.account(this.deps.store.db, target);
    return { receipt, accountId: acct.id, accountName: acct.name, max: (await this.limitsOf(acct.id))[name] };
  }

  private async account(q: Q, name: string): Promise<{ id: string; name: string }> {
    const acct = await q.selectFrom('accounts').select(['id', 'name']).where('name', '=', name).executeTakeFirst();
    if (!acct) throw notFound('account', name, 'object');
    return acct;
  }
}
