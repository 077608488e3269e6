/** Reset: back to a fresh catalog, every account but `admin` gone with all it owned; admin's credentials kept or issued anew. */
import type { Transaction } from 'kysely';
import type { DB } from '../../store/schema.js';
import { stateTables, withoutTriggers } from '../../store/tables.js';
import { markStateReplaced } from '../../store/data-versions.js';
import { SEED_LOCK, seedCatalog, seedDriverCatalog } from '../catalog/seed.js';
import { DEFAULT_GROUP } from '../firewalls/defaults.js';
import type { CoreDeps } from '../deps.js';
import { clearTables, insertRows, type PlainRow } from './rows.js';

/** The account a reset keeps. */
export const ADMIN_ACCOUNT = 'admin';

/** What a reset found of the admin account: its email (to issue it again under) and whether it was kept. */
export interface ResetOutcome {
  adminEmail?: string;
  adminKept: boolean;
}

/**
 * In one transaction: reads the admin account's identity rows (account, users, credentials, API tokens, IAM keys,
 * limits, aliases, default firewall group) unless they are to be issued anew, clears every state table, puts those
 * rows back and seeds the catalog again; the data version and the replacement count are bumped so no cache answers
 * from before.
 */
export async function resetTables(deps: CoreDeps, trx: Transaction<DB>, keepAdmin: boolean): Promise<ResetOutcome> {
  const { store, config } = deps;
  await store.lock(trx, SEED_LOCK);
  const admin = await trx
    .selectFrom('accounts')
    .selectAll()
    .where('name', '=', ADMIN_ACCOUNT)
    .where('type', '=', 'admin')
    .executeTakeFirst();
  const kept = admin && keepAdmin ? await adminRows(trx, admin.id) : new Map<string, PlainRow[]>();
  await withoutTriggers(trx, store.kind, async () => {
    await clearTables(trx, await stateTables(trx, store.kind));
    for (const [table, rows] of kept) await insertRows(trx, table, rows);
  });
  await seedCatalog(trx, config);
  const driverSeed = await deps.driverSeed?.();
  if (driverSeed) await seedDriverCatalog(trx, config.driver, driverSeed);
  await markStateReplaced(trx);
  return { adminEmail: admin?.email, adminKept: kept.size > 0 };
}

/** The admin account's rows that make up its identity and credentials, by table. */
async function adminRows(trx: Transaction<DB>, accountId: string): Promise<Map<string, PlainRow[]>> {
  const out = new Map<string, PlainRow[]>();
  out.set('accounts', await trx.selectFrom('accounts').selectAll().where('id', '=', accountId).execute());
  for (const table of ['users', 'credentials', 'api_tokens', 'account_limits', 'iam_api_keys'] as const)
    out.set(table, await trx.selectFrom(table).selectAll().where('account_id', '=', accountId).execute());
  const groups = await trx
    .selectFrom('security_groups')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('name', '=', DEFAULT_GROUP)
    .execute();
  out.set('security_groups', groups);
  const groupIds = groups.map((g) => g.id);
  out.set(
    'security_rules',
    groupIds.length
      ? await trx.selectFrom('security_rules').selectAll().where('group_id', 'in', groupIds).execute()
      : [],
  );
  const owners = [accountId, ...[...out.get('users')!, ...out.get('credentials')!].map((r) => String(r.id))];
  out.set('aliases', await trx.selectFrom('aliases').selectAll().where('object_id', 'in', owners).execute());
  return out;
}
